import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { FaultlineError } from '@faultline/core'

// Docker publishes the ports a test did not fix (RabbitMQ's 5671 and 15671, say) on random ports of the
// kernel's ephemeral range, and so does a `listen(0)` probe: a port probed free could be taken by Docker a
// moment later ("port is already allocated"). Ports are therefore picked below that range.
const FALLBACK_RANGE: readonly [number, number] = [32768, 60999]
const LOWEST = 10_000
const ATTEMPTS = 50
const handedOut = new Set<number>()

function ephemeralRange(): readonly [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number)
    if (lo !== undefined && hi !== undefined && Number.isInteger(lo) && Number.isInteger(hi)) return [lo, hi]
  } catch {
    // Not Linux: the usual default.
  }
  return FALLBACK_RANGE
}

/** Resolves with the port if it can be bound on every interface right now, else with undefined. */
function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(undefined))
    server.listen(port, () => {
      const address = server.address()
      server.close(() => resolve(address && typeof address === 'object' ? address.port : undefined))
    })
  })
}

/**
 * A free TCP port on this host. Services are published on a fixed host port (rather than a random one per
 * start) so that their URL survives stop/start and restart: a client reconnecting after an outage must
 * find the service where it was. The port is picked at random below the kernel's ephemeral range (where
 * Docker's own random ports come from), never twice in one process.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange()
  if (ephemeralLow - LOWEST > 1_000) {
    for (let i = 0; i < ATTEMPTS; i++) {
      const candidate = LOWEST + Math.floor(Math.random() * (ephemeralLow - LOWEST))
      if (handedOut.has(candidate)) continue
      const port = await tryBind(candidate)
      if (port !== undefined) {
        handedOut.add(port)
        return port
      }
    }
  }
  const port = await tryBind(0)
  if (port === undefined) {
    throw new FaultlineError(
      'NO_FREE_PORT',
      'could not bind a probe socket to find a free port for a service. Fix: check that this process may open TCP sockets (a sandbox, a firewall, too many open files).',
    )
  }
  handedOut.add(port)
  return port
}

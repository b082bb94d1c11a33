// Proxy benchmark: the fault proxy in pass-through against a direct connection to the same Redis, in the
// same run, interleaved round by round so both see the same machine. Results: bench/results/proxy.json.
// Targets (ratios within this run; absolute numbers on a shared 2-core machine are noise):
//   throughput through the proxy >= 90 % of direct, for a pipelined and for a request/response workload;
//   added median latency per round trip < 50 µs.
// Also measured, without a target: the same through a proxy that frames Redis (`protocol: 'redis'`, what
// triggers need): with no trigger (the framer only finds where commands end) and with a trigger that never
// matches (every command is decoded and matched).
// The proxy runs in this process, next to the client, as it does in a user's test: its CPU cost competes
// with the client's, which is the cost a user pays. Redis runs in a container started with Faultline's
// labels, so a run killed half way leaves nothing the next run's sweep would not remove.
//
//   npm run build && TESTCONTAINERS_RYUK_DISABLED=true FAULTLINE_REDIS_IMAGE=... node bench/proxy.bench.ts
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { redisContainer } from '@faultline/containers'
import { createProxy, onRedis } from '@faultline/proxy'
import { Redis } from 'ioredis'

// Many short direct/proxied pairs rather than a few long runs: on a shared machine the load drifts by a
// factor of several within a minute, and a ratio taken within a pair (0.5 s apart) cancels that drift.
const pairs = Number(process.env.BENCH_PAIRS ?? 10)
const seconds = Number(process.env.BENCH_SECONDS ?? 0.5)

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const round1 = (x: number): number => Math.round(x * 10) / 10

interface Target {
  readonly host: string
  readonly port: number
}

async function dial({ host, port }: Target): Promise<Socket> {
  const socket = connect({ host, port, noDelay: true })
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  return socket
}

// Raw pipelined PINGs: batches of `batch` commands, up to `window` batches in flight, for `seconds`.
// The client does almost nothing, so this shows the proxy's own cost at its worst.
async function rawPipelined(target: Target): Promise<number> {
  const batch = 500
  const window = 8
  const reply = '+PONG\r\n'.length
  const payload = Buffer.from('PING\r\n'.repeat(batch))
  const socket = await dial(target)
  const deadline = performance.now() + seconds * 1000
  let sent = 0
  let received = 0
  const start = performance.now()
  await new Promise<void>((resolve) => {
    const fill = (): void => {
      const done = Math.floor(received / (batch * reply))
      if (performance.now() >= deadline) {
        if (done === sent) resolve()
        return
      }
      while (sent - done < window) {
        socket.write(payload)
        sent++
      }
    }
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      fill()
    })
    fill()
  })
  const ops = (sent * batch) / ((performance.now() - start) / 1000)
  socket.destroy()
  return ops
}

// ioredis pipelines of SETs, 4 pipelines in flight: a realistic client next to the proxy.
async function ioredisPipelined(target: Target): Promise<number> {
  const client = new Redis({ host: target.host, port: target.port })
  const value = 'v'.repeat(64)
  const deadline = performance.now() + seconds * 1000
  let ops = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: 4 }, async (_, lane) => {
      while (performance.now() < deadline) {
        const pipeline = client.pipeline()
        for (let i = 0; i < 200; i++) pipeline.set(`bench:${lane}:${i}`, value)
        await pipeline.exec()
        ops += 200
      }
    }),
  )
  const rate = ops / ((performance.now() - start) / 1000)
  client.disconnect()
  return rate
}

// ioredis, 16 lanes, each awaiting its GET before the next: request/response with a realistic client.
async function ioredisRequestResponse(target: Target): Promise<number> {
  const client = new Redis({ host: target.host, port: target.port })
  await client.set('bench:rr', 'v'.repeat(64))
  const deadline = performance.now() + seconds * 1000
  let ops = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < deadline) {
        await client.get('bench:rr')
        ops++
      }
    }),
  )
  const rate = ops / ((performance.now() - start) / 1000)
  client.disconnect()
  return rate
}

// One request in flight per connection: each PING waits for its PONG. Returns ops/s and, when measured
// on one connection, the latency of every round trip in µs.
async function requestResponse(
  target: Target,
  connections: number,
): Promise<{ ops: number; rtts: number[] }> {
  const sockets = await Promise.all(Array.from({ length: connections }, () => dial(target)))
  const deadline = performance.now() + seconds * 1000
  const rtts: number[] = []
  let ops = 0
  const start = performance.now()
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          let sentAt = 0
          let pending = 0
          const send = (): void => {
            if (performance.now() >= deadline) {
              resolve()
              return
            }
            sentAt = performance.now()
            pending = 7
            socket.write('PING\r\n')
          }
          socket.on('data', (chunk: Buffer) => {
            pending -= chunk.length
            if (pending > 0) return
            if (connections === 1) rtts.push((performance.now() - sentAt) * 1000)
            ops++
            send()
          })
          send()
        }),
    ),
  )
  const rate = ops / ((performance.now() - start) / 1000)
  for (const socket of sockets) socket.destroy()
  return { ops: rate, rtts }
}

const service = await redisContainer().start('bench-proxy')
const image = service.info.image
// Both sides talk to the container's own address when it is reachable, so Docker's port mapping (NAT or
// docker-proxy) is not part of what is measured; otherwise both use the mapped port.
const mapped: Target = { host: service.host, port: service.port }
const ip = containerAddress(service.info.containerId)
const byIp: Target | undefined = ip ? { host: ip, port: 6379 } : undefined
const direct = byIp !== undefined && (await reachable(byIp)) ? byIp : mapped
const proxy = await createProxy({ upstream: `${direct.host}:${direct.port}` })
const proxied: Target = { host: proxy.host, port: proxy.port }
const framedProxy = await createProxy({ upstream: `${direct.host}:${direct.port}`, protocol: 'redis' })
const framed: Target = { host: framedProxy.host, port: framedProxy.port }
const matchingProxy = await createProxy({ upstream: `${direct.host}:${direct.port}`, protocol: 'redis' })
matchingProxy.trigger(onRedis.command('NEVER'), { times: Number.POSITIVE_INFINITY })
const matching: Target = { host: matchingProxy.host, port: matchingProxy.port }
try {
  type Sides = { direct: number[]; proxied: number[]; ratios: number[] }
  const sides = (): Sides => ({ direct: [], proxied: [], ratios: [] })
  const samples = {
    rawPipelined: sides(),
    ioredisPipelined: sides(),
    rawRequestResponse: sides(),
    ioredisRequestResponse: sides(),
    rttP50: sides(),
    framedRawPipelined: sides(),
    framedIoredisPipelined: sides(),
    framedRttP50: sides(),
    matchingRawPipelined: sides(),
    matchingIoredisPipelined: sides(),
  }
  // One pair: direct and `through` back to back, in alternating order so neither always goes first.
  async function pair(
    into: Sides,
    i: number,
    measure: (target: Target) => Promise<number>,
    through: Target = proxied,
  ): Promise<void> {
    const first = i % 2 === 0 ? 'direct' : 'proxied'
    const values = { direct: 0, proxied: 0 }
    for (const side of first === 'direct'
      ? (['direct', 'proxied'] as const)
      : (['proxied', 'direct'] as const)) {
      values[side] = await measure(side === 'direct' ? direct : through)
    }
    into.direct.push(values.direct)
    into.proxied.push(values.proxied)
    into.ratios.push(values.proxied / values.direct)
  }
  const rttP50 = async (t: Target) => median((await requestResponse(t, 1)).rtts)
  // Warm-up: JIT, connections, Redis' own allocations.
  await requestResponse(direct, 1)
  await requestResponse(proxied, 1)
  await requestResponse(framed, 1)
  await requestResponse(matching, 1)
  for (let i = 0; i < pairs; i++) {
    await pair(samples.rawPipelined, i, rawPipelined)
    await pair(samples.ioredisPipelined, i, ioredisPipelined)
    await pair(samples.rawRequestResponse, i, async (t) => (await requestResponse(t, 16)).ops)
    await pair(samples.ioredisRequestResponse, i, ioredisRequestResponse)
    await pair(samples.rttP50, i, rttP50)
    await pair(samples.framedRawPipelined, i, rawPipelined, framed)
    await pair(samples.framedIoredisPipelined, i, ioredisPipelined, framed)
    await pair(samples.framedRttP50, i, rttP50, framed)
    await pair(samples.matchingRawPipelined, i, rawPipelined, matching)
    await pair(samples.matchingIoredisPipelined, i, ioredisPipelined, matching)
  }
  const ratio = (s: Sides) => median(s.ratios)
  const throughput = (s: Sides) => ({
    directOpsPerSecond: Math.round(median(s.direct)),
    proxiedOpsPerSecond: Math.round(median(s.proxied)),
    ratio: Math.round(ratio(s) * 1000) / 1000,
  })
  const addedOf = (s: Sides) => median(s.proxied.map((p, i) => p - s.direct[i]!))
  const addedP50 = addedOf(samples.rttP50)
  const result = {
    benchmark: 'proxy',
    node: process.version,
    image,
    redis: direct === byIp ? 'container address' : 'mapped port',
    pairs,
    secondsPerMeasurement: seconds,
    method: 'median over pairs of (proxied / direct), each pair measured back to back',
    pipelinedRedis: {
      ioredis: throughput(samples.ioredisPipelined),
      raw: throughput(samples.rawPipelined),
    },
    requestResponse: {
      ioredis: throughput(samples.ioredisRequestResponse),
      raw: throughput(samples.rawRequestResponse),
    },
    roundTrip: {
      directP50Us: round1(median(samples.rttP50.direct)),
      proxiedP50Us: round1(median(samples.rttP50.proxied)),
      addedP50Us: round1(addedP50),
    },
    framed: {
      pipelinedRedis: {
        ioredis: throughput(samples.framedIoredisPipelined),
        raw: throughput(samples.framedRawPipelined),
      },
      roundTrip: {
        directP50Us: round1(median(samples.framedRttP50.direct)),
        proxiedP50Us: round1(median(samples.framedRttP50.proxied)),
        addedP50Us: round1(addedOf(samples.framedRttP50)),
      },
      withTrigger: {
        ioredis: throughput(samples.matchingIoredisPipelined),
        raw: throughput(samples.matchingRawPipelined),
      },
    },
    targets: { throughputRatio: 0.9, addedP50Us: 50 },
    pass: {
      pipelinedIoredis: ratio(samples.ioredisPipelined) >= 0.9,
      pipelinedRaw: ratio(samples.rawPipelined) >= 0.9,
      requestResponseIoredis: ratio(samples.ioredisRequestResponse) >= 0.9,
      requestResponseRaw: ratio(samples.rawRequestResponse) >= 0.9,
      addedLatency: addedP50 < 50,
    },
    samples,
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'proxy.json')
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
  console.log(JSON.stringify({ ...result, samples: undefined }, null, 2))
  console.log(`written to ${out}`)
} finally {
  await proxy.close()
  await framedProxy.close()
  await matchingProxy.close()
  await service.close()
}

// The container's address on its Docker network, or undefined (no docker CLI, or none to read).
function containerAddress(id: string | undefined): string | undefined {
  if (id === undefined) return undefined
  try {
    const out = execFileSync(
      'docker',
      ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', id],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
    return out.trim().split(/\s+/)[0] || undefined
  } catch {
    return undefined
  }
}

async function reachable(target: Target): Promise<boolean> {
  try {
    const socket = await Promise.race([
      dial(target),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref()),
    ])
    socket.destroy()
    return true
  } catch {
    return false
  }
}

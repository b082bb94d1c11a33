// A real HTTP server on loopback that stalls for one second, as a stop-the-world GC pause or a lock held
// by another transaction would: every request that arrives between STALL_START_MS and STALL_END_MS after
// `restart()` is answered at STALL_END_MS; the others at once.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export const STALL_START_MS = 500
export const STALL_END_MS = 1500
export const STALL_MS = STALL_END_MS - STALL_START_MS

export interface StallingServer {
  readonly url: string
  /** Requests received since the last `restart()`. */
  readonly received: number
  /** Starts the clock the stall is timed from; call it right before the load starts. */
  restart(): void
  close(): Promise<void>
}

export async function startStallingServer(): Promise<StallingServer> {
  let t0 = performance.now()
  let received = 0
  const server = createServer((_req, res) => {
    received++
    const t = performance.now() - t0
    const reply = () => res.end('ok')
    if (t >= STALL_START_MS && t < STALL_END_MS) setTimeout(reply, STALL_END_MS - t)
    else reply()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    get received() {
      return received
    },
    restart: () => {
      t0 = performance.now()
      received = 0
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

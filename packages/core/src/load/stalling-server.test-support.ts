// A real HTTP server on loopback that stalls for one second, for the tests of the load engine: every
// request that arrives between 0.5 s and 1.5 s after `restart()` is answered at 1.5 s, as in a
// stop-the-world GC pause or a lock held by another transaction.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export const STALL_START_MS = 500
export const STALL_END_MS = 1500

export interface StallingServer {
  readonly url: string
  /** Starts the clock the stall is timed from; call it right before the load starts. */
  restart(): void
  /** A load task that GETs the server and reads the body, passing the call's signal on. */
  get(context: { signal: AbortSignal }): Promise<void>
  close(): Promise<void>
}

export async function startStallingServer(): Promise<StallingServer> {
  let t0 = performance.now()
  const server = createServer((_req, res) => {
    const t = performance.now() - t0
    const reply = () => res.end('ok')
    if (t >= STALL_START_MS && t < STALL_END_MS) setTimeout(reply, STALL_END_MS - t)
    else reply()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    url,
    restart: () => {
      t0 = performance.now()
    },
    get: async ({ signal }) => {
      const res = await fetch(url, { signal })
      await res.text()
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

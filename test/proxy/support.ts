// Shared by the proxy's integration tests. The services are the ones the Faultline plugin started for the
// run (labelled, reaped by the watchdog and the sweep); each test gets its own database, key space or
// vhost from the fixtures and puts a proxy of its own in front of the service.
import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'

/**
 * `url` with its host and port replaced by `tap`'s: the same credentials and database, through a relay
 * of the test's own (a proxy does this itself: `proxy.url(url)`).
 */
export function through(url: string, tap: { endpoint: string }): string {
  const rewritten = new URL(url)
  rewritten.host = tap.endpoint
  return rewritten.toString()
}

/** How long `run` took, in ms, and what it settled to. */
export async function timed<T>(
  run: () => Promise<T>,
): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const start = performance.now()
  const [result] = await Promise.allSettled([run()])
  return { ms: performance.now() - start, result: result! }
}

/** The fastest of `times` runs of `run`, in ms: what the path costs, without the machine's stalls. */
export async function fastest(run: () => Promise<unknown>, times: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < times; i++) {
    const start = performance.now()
    await run()
    best = Math.min(best, performance.now() - start)
  }
  return best
}

/** The error of a promise that must fail, or a failure if it does not. */
export async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const outcome = await Promise.allSettled([promise])
  const settled = outcome[0]!
  if (settled.status === 'fulfilled')
    throw new Error(`expected a failure, got ${JSON.stringify(settled.value)}`)
  return settled.reason as Error & { code?: string }
}

/**
 * A loopback relay to `upstream` that records every byte its clients send: the real client -> service
 * stream of a real client library talking to a real service, to replay elsewhere.
 */
export async function recorder(upstream: { host: string; port: number }): Promise<{
  port: number
  sent: () => Buffer
  close: () => Promise<void>
}> {
  const chunks: Buffer[] = []
  const sockets = new Set<Socket>()
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const service = connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true })
    for (const socket of [client, service]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => sockets.delete(socket))
    }
    client.on('data', (chunk: Buffer) => chunks.push(chunk))
    client.pipe(service)
    service.pipe(client)
    client.on('close', () => service.destroy())
    service.on('close', () => client.destroy())
  })
  server.listen({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  const bound = server.address()
  return {
    port: typeof bound === 'object' && bound !== null ? bound.port : 0,
    sent: () => Buffer.concat(chunks),
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

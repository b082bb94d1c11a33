import { createServer } from 'node:net'

/**
 * A free TCP port on this host. Services are published on a fixed host port (rather than a random one per
 * start) so that their URL survives stop/start and restart: a client reconnecting after an outage must
 * find the service where it was.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('could not read the port of a probe socket'))
      })
    })
  })
}

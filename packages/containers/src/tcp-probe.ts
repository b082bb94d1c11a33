import { connect } from 'node:net'
import type { ReadyProbe } from './info.js'

/** How long an accepted connection must stay open, when nothing is sent or expected, to count as served. */
const QUIET_MS = 250

/**
 * Resolves once a TCP service at `host:port` answers as `ready` says, or rejects within `timeout` ms.
 *
 * An accepted connection alone proves nothing here: Docker's userland proxy accepts on a published port
 * even while nothing listens in the container, and closes the connection at once. So a connection counts
 * when the service sends something (a greeting, or the answer to `ready.send`, containing `ready.expect`
 * when given) — or, when nothing is expected, when it stays open for a quarter of a second.
 *
 * @example
 * await probeTcp('localhost', 11211, { send: 'version\r\n', expect: 'VERSION' }, 2_000)
 */
export function probeTcp(host: string, port: number, ready: ReadyProbe, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    let answer = ''
    let quiet: NodeJS.Timeout | undefined
    let done = false
    const finish = (error?: Error) => {
      if (done) return
      done = true
      clearTimeout(quiet)
      clearTimeout(deadline)
      socket.destroy()
      if (error) reject(error)
      else resolve()
    }
    const deadline = setTimeout(
      () =>
        finish(
          new Error(
            `${host}:${port} did not answer within ${timeout} ms` +
              (ready.expect === undefined ? '' : ` with ${JSON.stringify(ready.expect)}`),
          ),
        ),
      timeout,
    )
    socket.once('connect', () => {
      if (ready.send !== undefined) socket.write(ready.send, 'latin1')
      if (ready.expect === undefined) quiet = setTimeout(() => finish(), QUIET_MS)
    })
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1')
      if (ready.expect === undefined || answer.includes(ready.expect)) finish()
    })
    socket.once('error', (error) => finish(error))
    socket.once('close', () =>
      finish(
        new Error(`${host}:${port} closed the connection before answering (nothing listens behind it yet)`),
      ),
    )
  })
}

import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { probeTcp } from './tcp-probe.js'

const servers: Server[] = []
const sockets = new Set<Socket>()
afterEach(async () => {
  for (const socket of sockets) socket.destroy()
  sockets.clear()
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

// A loopback server doing `onConnection` with each connection; resolves with its port.
async function serve(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    onConnection(socket)
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as { port: number }).port
}

describe('probeTcp', () => {
  it('counts a greeting as an answer', async () => {
    const port = await serve((socket) => socket.write('hello\n'))
    await expect(probeTcp('127.0.0.1', port, {}, 2_000)).resolves.toBeUndefined()
  })

  it('does not count a connection that is accepted and closed at once (a published port, nothing behind it)', async () => {
    const port = await serve((socket) => socket.destroy())
    await expect(probeTcp('127.0.0.1', port, {}, 2_000)).rejects.toThrow(
      /closed the connection before answering/,
    )
  })

  it('counts a silent connection that stays open, when nothing is expected', async () => {
    const port = await serve(() => {})
    await expect(probeTcp('127.0.0.1', port, {}, 2_000)).resolves.toBeUndefined()
  })

  it('sends `send` and waits for `expect`, across chunks', async () => {
    const port = await serve((socket) =>
      socket.on('data', (data) => {
        if (data.toString() === 'version\r\n') {
          socket.write('VER')
          setTimeout(() => socket.write('SION 1.6\r\n'), 20)
        }
      }),
    )
    await expect(
      probeTcp('127.0.0.1', port, { send: 'version\r\n', expect: 'VERSION' }, 2_000),
    ).resolves.toBeUndefined()
  })

  it('rejects within its timeout when the answer never contains `expect`', async () => {
    const port = await serve((socket) => socket.write('ERROR\r\n'))
    await expect(probeTcp('127.0.0.1', port, { expect: 'VERSION' }, 300)).rejects.toThrow(
      `127.0.0.1:${port} did not answer within 300 ms with "VERSION"`,
    )
  })

  it('rejects a refused connection', async () => {
    const port = await serve(() => {})
    await new Promise((resolve) => servers.pop()!.close(resolve))
    await expect(probeTcp('127.0.0.1', port, {}, 2_000)).rejects.toThrow(/ECONNREFUSED/)
  })
})

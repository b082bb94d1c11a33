// Loopback peers for the unit tests: a service that records what it receives and answers on demand,
// and clients that collect what they read. Everything is bounded by the test's timeout.
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'

/** A service on loopback whose accepted sockets are handed to `onSocket`. */
export async function listen(
  onSocket: (socket: Socket) => void,
): Promise<{ server: Server; endpoint: string; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    onSocket(socket)
  })
  server.listen({ host: '127.0.0.1', port: 0, backlog: 2048 })
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    server,
    port,
    endpoint: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A service that echoes every byte back. */
export function echo(): ReturnType<typeof listen> {
  return listen((socket) => socket.pipe(socket))
}

/** Connects to `port` on loopback (half-open allowed) and resolves once connected. */
export async function dial(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true })
  await once(socket, 'connect')
  return socket
}

/** Everything a socket reads until it ends, errors or closes; with the error code if any. */
export function collect(
  socket: Socket,
): Promise<{ data: Buffer; error: string | undefined; ended: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let error: string | undefined
    let ended = false
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    // Like most clients, answer the peer's FIN with ours, so the socket closes.
    socket.on('end', () => {
      ended = true
      socket.end()
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message
    })
    socket.on('close', () => resolve({ data: Buffer.concat(chunks), error, ended }))
  })
}

/** Resolves once `socket` has read at least `bytes` bytes, with them. */
export function readBytes(socket: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      length += chunk.length
      if (length >= bytes) {
        socket.off('data', onData)
        socket.off('close', onClose)
        resolve(Buffer.concat(chunks))
      }
    }
    const onClose = (): void => reject(new Error(`socket closed after ${length} of ${bytes} bytes`))
    socket.on('data', onData)
    socket.on('close', onClose)
  })
}

/** Resolves after `ms`. Only for letting time pass where a fault must *not* let bytes through. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Writes `pieces` one by one, each in its own event-loop turn so the proxy tends to see separate reads. */
export async function writePieces(socket: Socket, pieces: readonly Buffer[]): Promise<void> {
  for (const piece of pieces) {
    if (!socket.write(piece)) await once(socket, 'drain')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** `stream` split at the given offsets (taken modulo its length + 1, as fast-check draws them). */
export function split(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
  const pieces: Buffer[] = []
  let from = 0
  for (const to of [...points, stream.length]) {
    if (to > from) pieces.push(stream.subarray(from, to))
    from = Math.max(from, to)
  }
  return pieces
}

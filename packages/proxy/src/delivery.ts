import { readFile } from 'node:fs/promises'
import type { Socket } from 'node:net'

// An RST (close with SO_LINGER 0) makes the kernel drop whatever the socket has not sent yet, and Node
// drops what it has not written yet. To reset a connection *after* the bytes forwarded before the cut,
// the proxy waits until they left Node (the callback of a write queued behind them) and the kernel (its
// send queue for the socket is empty, i.e. the peer acknowledged them). Node does not expose the send
// queue; on Linux /proc/net/tcp{,6} does (tx_queue). Elsewhere the wait covers Node's buffer only.

const EMPTY = Buffer.alloc(0)
const FIRST_POLL_MS = 1
const MAX_POLL_MS = 50

let procAvailable = process.platform === 'linux'

/**
 * Calls `then` once every byte written to `socket` so far has been taken by the peer, or the socket is
 * gone. Returns a function that cancels the wait (its timer included).
 */
export function whenDelivered(socket: Socket, then: () => void): () => void {
  let cancelled = false
  let timer: NodeJS.Timeout | undefined
  let pollMs = FIRST_POLL_MS
  const finish = (): void => {
    if (!cancelled) then()
  }
  const poll = (): void => {
    if (cancelled || socket.destroyed) {
      finish()
      return
    }
    void unsent(socket).then((bytes) => {
      if (cancelled) return
      if (bytes === undefined || bytes === 0 || socket.destroyed) {
        finish()
        return
      }
      timer = setTimeout(poll, pollMs)
      pollMs = Math.min(MAX_POLL_MS, pollMs * 2)
    })
  }
  if (socket.destroyed) finish()
  else if (socket.writableFinished || socket.writableLength === 0) poll()
  else if (socket.writableEnded) socket.once('finish', poll).once('close', poll)
  else socket.write(EMPTY, poll)
  return () => {
    cancelled = true
    if (timer !== undefined) clearTimeout(timer)
  }
}

/** Bytes the kernel still holds for `socket` (sent but not acknowledged, or not sent); undefined if unknown. */
async function unsent(socket: Socket): Promise<number | undefined> {
  if (!procAvailable) return undefined
  const local = socket.localPort
  const remote = socket.remotePort
  if (local === undefined || remote === undefined) return undefined
  const ports = `:${hex(local)} `
  const peer = `:${hex(remote)} `
  let found: number | undefined
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = await readFile(table, 'latin1')
    } catch {
      procAvailable = false
      return undefined
    }
    // "sl local_address rem_address st tx_queue:rx_queue ...", addresses as HEX:PORT.
    for (const line of text.split('\n')) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 5 || !`${fields[1]} `.endsWith(ports) || !`${fields[2]} `.endsWith(peer)) continue
      const queued = Number.parseInt(fields[4]!.split(':')[0]!, 16)
      if (Number.isFinite(queued)) found = Math.max(found ?? 0, queued)
    }
  }
  return found
}

function hex(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0')
}

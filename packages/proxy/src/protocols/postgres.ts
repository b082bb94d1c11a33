import { ChunkBuffer } from './chunks.js'
import type { Framer, PostgresMessage } from './types.js'

// PostgreSQL frontend framing, written here because the parser packages (pg-protocol) read backend
// messages only. A frontend message is a type byte plus an int32 length that counts itself; the first
// messages (startup, SSL/GSS requests, cancel) have no type byte. Only Q, P, B, E bodies are decoded, to
// know the SQL a query or an execute runs; every other payload passes unread.

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
const TLS_HANDSHAKE = 0x16
const DECODED = new Set(['Q', 'P', 'B', 'E'])

/** Frames a PostgreSQL client -> server stream. */
export class PostgresFramer implements Framer {
  safe = 0
  private readonly buffer = new ChunkBuffer()
  private need = 1
  private skip = 0
  private startup = true
  private off = false
  private readonly statements = new Map<string, string>()
  private readonly portals = new Map<string, string>()

  constructor(private readonly onMessage: (message: PostgresMessage) => void) {}

  push(chunk: Buffer, offset: number): void {
    if (this.off) return
    let from = 0
    if (this.skip > 0) {
      from = Math.min(this.skip, chunk.length)
      this.skip -= from
      if (from === chunk.length) {
        this.safe = offset + chunk.length
        return
      }
    }
    if (this.buffer.size === 0) this.buffer.start = offset + from
    this.buffer.push(from === 0 ? chunk : chunk.subarray(from))
    if (this.buffer.size < this.need) {
      this.safe = this.buffer.start
      return
    }
    const base = this.buffer.start
    const data = this.buffer.take()
    let p = 0
    for (;;) {
      const available = data.length - p
      if (this.startup) {
        // After an accepted SSLRequest the client speaks TLS: nothing more can be read.
        if (available >= 1 && data[p] === TLS_HANDSHAKE) {
          this.stop()
          return
        }
        if (available < 8) {
          this.need = 8
          break
        }
        const length = data.readInt32BE(p)
        if (length < 8 || length > 1 << 20) {
          this.stop()
          return
        }
        if (available < length) {
          this.need = length
          break
        }
        const code = data.readInt32BE(p + 4)
        const type =
          code === SSL_REQUEST
            ? 'ssl'
            : code === GSSENC_REQUEST
              ? 'gssenc'
              : code === CANCEL_REQUEST
                ? 'cancel'
                : 'startup'
        if (type === 'startup') this.startup = false
        this.onMessage({ protocol: 'postgres', type, start: base + p, end: base + p + length })
        p += length
        continue
      }
      if (available < 5) {
        this.need = 5
        break
      }
      const type = String.fromCharCode(data[p]!)
      const total = 1 + data.readInt32BE(p + 1)
      if (total < 5) {
        this.stop()
        return
      }
      const start = base + p
      if (DECODED.has(type)) {
        if (available < total) {
          this.need = total
          break
        }
        const sql = this.decode(type, data.subarray(p + 5, p + total))
        this.onMessage({ protocol: 'postgres', type, start, end: start + total, sql })
        p += total
        continue
      }
      this.onMessage({ protocol: 'postgres', type, start, end: start + total })
      if (available < total) {
        this.skip = total - available
        p = data.length
        break
      }
      p += total
    }
    this.buffer.keep(data, p, base + p)
    if (this.buffer.size === 0) this.need = 1
    this.safe = base + p
  }

  // Not (or no longer) readable PostgreSQL: forward everything from here on, unframed.
  private stop(): void {
    this.off = true
    this.safe = Number.POSITIVE_INFINITY
  }

  // Resolves the SQL a message runs: Q and P carry it; B binds a portal to a statement; E runs a portal.
  private decode(type: string, body: Buffer): string | undefined {
    const first = cstring(body, 0)
    if (type === 'Q') return first.value
    if (type === 'P') {
      const sql = cstring(body, first.next).value
      this.statements.set(first.value, sql)
      return sql
    }
    if (type === 'B') {
      const sql = this.statements.get(cstring(body, first.next).value)
      if (sql !== undefined) this.portals.set(first.value, sql)
      return sql
    }
    return this.portals.get(first.value)
  }
}

function cstring(body: Buffer, from: number): { value: string; next: number } {
  const end = body.indexOf(0, from)
  const stop = end < 0 ? body.length : end
  return { value: body.toString('utf8', from, stop), next: stop + 1 }
}

import { FRAMING_WINDOW, type Framer, type FramerEvents } from './types.js'

// PostgreSQL frontend framing, written here because the parser packages (pg-protocol) read backend
// messages only. A frontend message is a type byte plus an int32 length that counts itself; the first
// messages (startup, SSL/GSS requests, cancel) have no type byte. Only Q, P, B, E bodies are decoded, to
// know the SQL a query or an execute runs; every other message is reported at its header and its payload
// passes unread. Every length is in the header, so a message's end is always known when it is reported.

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
const TLS_HANDSHAKE = 0x16
const DECODED = new Set(['Q', 'P', 'B', 'E'])
// A startup-phase length beyond this is not PostgreSQL (the server refuses startup packets over 10,000
// bytes); framing stops and the bytes pass unframed.
const MAX_STARTUP = 1 << 20

/** Frames a PostgreSQL client -> server stream, reading it as it passes. */
export class PostgresFramer implements Framer {
  safe = 0
  // The stream offset of the chunk being read.
  private base = 0
  private off = false
  private startup = true
  // The header being read (8 bytes in the startup phase, 5 after) and where its message starts.
  private readonly head = Buffer.alloc(8)
  private headLength = 0
  private start = 0
  // The decoded message whose body is being collected (up to the window), then the bytes to pass unread.
  private body: { type: string; total: number; need: number; parts: Buffer[]; length: number } | undefined
  private skip = 0
  private readonly statements = new Map<string, string>()
  private readonly portals = new Map<string, string>()

  constructor(private readonly events: FramerEvents) {}

  push(chunk: Buffer, offset: number): void {
    if (this.off) return
    this.base = offset
    let p = 0
    while (p < chunk.length && !this.off) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - p)
        this.skip -= n
        p += n
      } else if (this.body !== undefined) {
        p += this.collect(chunk, p)
      } else {
        p += this.whole(chunk, p) || this.header(chunk, p)
      }
    }
    if (this.off) return
    this.safe = this.headLength > 0 || this.body !== undefined ? this.start : offset + chunk.length
  }

  // The common case, read in place: a typed message whose header (and, if decoded, the part of its body
  // a matcher reads) is in this chunk. Returns the bytes consumed, 0 to take the byte-by-byte path.
  private whole(chunk: Buffer, p: number): number {
    if (this.startup || this.headLength > 0 || chunk.length - p < 5) return 0
    const type = String.fromCharCode(chunk[p]!)
    const total = 1 + chunk.readInt32BE(p + 1)
    if (total < 5) return 0
    const start = this.base + p
    const listening = this.events.listening
    if (!DECODED.has(type)) {
      this.skip = total - 5
      if (listening) this.events.message({ protocol: 'postgres', type, start, end: start + total })
      return 5
    }
    const need = Math.min(total - 5, FRAMING_WINDOW)
    if (chunk.length - p - 5 < need) return 0
    this.skip = total - 5 - need
    // Parse and Bind are always read: an Execute later resolves its SQL through them.
    if (!listening && (type === 'Q' || type === 'E')) return 5 + need
    const sql = this.decode(type, chunk.subarray(p + 5, p + 5 + need))
    if (listening) this.events.message({ protocol: 'postgres', type, start, end: start + total, sql })
    return 5 + need
  }

  // Reads header bytes from `chunk` at `p`; acts once the header is whole. Returns the bytes consumed.
  private header(chunk: Buffer, p: number): number {
    if (this.headLength === 0) {
      this.start = this.base + p
      // After an accepted SSLRequest the client speaks TLS: nothing more can be read.
      if (this.startup && chunk[p] === TLS_HANDSHAKE) {
        this.stop()
        return 0
      }
    }
    const size = this.startup ? 8 : 5
    const n = Math.min(size - this.headLength, chunk.length - p)
    chunk.copy(this.head, this.headLength, p, p + n)
    this.headLength += n
    if (this.headLength < size) return n
    this.headLength = 0
    if (this.startup) this.startupMessage()
    else this.typedMessage()
    return n
  }

  private startupMessage(): void {
    const length = this.head.readInt32BE(0)
    if (length < 8 || length > MAX_STARTUP) {
      this.stop()
      return
    }
    const code = this.head.readInt32BE(4)
    const type =
      code === SSL_REQUEST
        ? 'ssl'
        : code === GSSENC_REQUEST
          ? 'gssenc'
          : code === CANCEL_REQUEST
            ? 'cancel'
            : 'startup'
    if (type === 'startup') this.startup = false
    this.skip = length - 8
    if (this.events.listening)
      this.events.message({ protocol: 'postgres', type, start: this.start, end: this.start + length })
  }

  private typedMessage(): void {
    const type = String.fromCharCode(this.head[0]!)
    const total = 1 + this.head.readInt32BE(1)
    if (total < 5) {
      this.stop()
      return
    }
    if (!DECODED.has(type)) {
      this.skip = total - 5
      if (this.events.listening)
        this.events.message({ protocol: 'postgres', type, start: this.start, end: this.start + total })
      return
    }
    // The SQL and names lead the body: the first window of it is enough to match on.
    this.body = { type, total, need: Math.min(total - 5, FRAMING_WINDOW), parts: [], length: 0 }
    if (this.body.need === 0) this.decoded()
  }

  private collect(chunk: Buffer, p: number): number {
    const body = this.body!
    const n = Math.min(body.need - body.length, chunk.length - p)
    body.parts.push(chunk.subarray(p, p + n))
    body.length += n
    if (body.length === body.need) this.decoded()
    return n
  }

  private decoded(): void {
    const { type, total, need, parts } = this.body!
    this.body = undefined
    this.skip = total - 5 - need
    const sql = this.decode(type, parts.length === 1 ? parts[0]! : Buffer.concat(parts))
    if (this.events.listening)
      this.events.message({ protocol: 'postgres', type, start: this.start, end: this.start + total, sql })
  }

  // Not (or no longer) readable PostgreSQL: forward everything from here on, unframed.
  private stop(): void {
    this.off = true
    this.body = undefined
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

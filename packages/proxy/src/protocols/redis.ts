import { ChunkBuffer } from './chunks.js'
import type { Framer, RedisMessage } from './types.js'

// Redis client commands are RESP arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) or inline
// lines (`PING\r\n`). The RESP parser packages (redis-parser) parse replies and report values without
// their byte range, which a trigger needs; the framing is a few lines, so it lives here.

const STAR = 0x2a
const DOLLAR = 0x24
const CR_LF = Buffer.from('\r\n')
// Arguments longer than this are cut in `args`: enough to match a key, not a copy of a large value.
const MAX_ARG = 4096

type Parsed = { end: number; command: string; args: string[] } | { need: number } | { invalid: true }

/** Frames a Redis client -> server stream. */
export class RedisFramer implements Framer {
  safe = 0
  private readonly buffer = new ChunkBuffer()
  private need = 1
  private off = false

  constructor(private readonly onMessage: (message: RedisMessage) => void) {}

  push(chunk: Buffer, offset: number): void {
    if (this.off) return
    if (this.buffer.size === 0) this.buffer.start = offset
    this.buffer.push(chunk)
    if (this.buffer.size < this.need) return
    const base = this.buffer.start
    const data = this.buffer.take()
    let p = 0
    while (p < data.length) {
      const parsed = parse(data, p)
      if ('invalid' in parsed) {
        this.off = true
        this.safe = Number.POSITIVE_INFINITY
        return
      }
      if ('need' in parsed) {
        this.need = parsed.need
        break
      }
      if (parsed.command !== '') {
        this.onMessage({
          protocol: 'redis',
          command: parsed.command,
          args: parsed.args,
          start: base + p,
          end: base + parsed.end,
        })
      }
      p = parsed.end
    }
    this.buffer.keep(data, p, base + p)
    if (this.buffer.size === 0) this.need = 1
    this.safe = base + p
  }
}

/** Parses one command at `p`; `need` is the total length from `p` needed before trying again. */
function parse(data: Buffer, p: number): Parsed {
  if (data[p] !== STAR) {
    const newline = data.indexOf(0x0a, p)
    if (newline < 0) return { need: data.length - p + 1 }
    const words = data.toString('utf8', p, newline).trim().split(/\s+/).filter(Boolean)
    return { end: newline + 1, command: (words[0] ?? '').toUpperCase(), args: words.slice(1) }
  }
  const header = data.indexOf(CR_LF, p)
  if (header < 0) return { need: data.length - p + 1 }
  const count = Number(data.toString('latin1', p + 1, header))
  if (!Number.isInteger(count)) return { invalid: true }
  const words: string[] = []
  let q = header + 2
  for (let i = 0; i < count; i++) {
    if (q >= data.length) return { need: q - p + 1 }
    if (data[q] !== DOLLAR) return { invalid: true }
    const line = data.indexOf(CR_LF, q)
    if (line < 0) return { need: data.length - p + 1 }
    const length = Number(data.toString('latin1', q + 1, line))
    if (!Number.isInteger(length) || length < 0) return { invalid: true }
    const next = line + 2 + length + 2
    if (next > data.length) return { need: next - p }
    words.push(data.toString('utf8', line + 2, line + 2 + Math.min(length, MAX_ARG)))
    q = next
  }
  return { end: q, command: (words[0] ?? '').toUpperCase(), args: words.slice(1) }
}

import { FRAMING_WINDOW, type Framer, type FramerEvents, type Mutable, type RedisMessage } from './types.js'

// Redis client commands are RESP arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) or inline
// lines (`PING\r\n`). The RESP parser packages (redis-parser) parse replies and report values without
// their byte range, which a trigger needs; the framing is a small state machine, so it lives here. It
// reads the stream as it passes and keeps only the arguments' first bytes, so a command of any size costs
// a bounded amount of memory.

const STAR = 0x2a
const DOLLAR = 0x24
const LF = 0x0a
// Arguments longer than this are cut in `args`: enough to match a key, not a copy of a large value.
const MAX_ARG = 4096
// A length line (`*3`, `$5`) longer than this is not RESP.
const MAX_LENGTH_LINE = 32

type Phase = 'idle' | 'inline' | 'count' | 'bulkHeader' | 'bulk'

const SPACE = /\s/

// The words of an inline command (`PING`, `SET k v`), split on whitespace as Redis does.
function inlineWords(line: string): string[] {
  const text = line.trim()
  if (text === '') return []
  return SPACE.test(text) ? text.split(/\s+/) : [text]
}

// Where the line read by lengthAt ends (past its CRLF).
let after = 0

/**
 * The integer of a RESP length line (`3\r\n` after `*` or `$`) starting at `q`, setting `after`; NaN when
 * the line is not whole before `limit` or is not a plain integer.
 */
function lengthAt(chunk: Buffer, q: number, limit: number): number {
  let value = 0
  let digits = 0
  const negative = chunk[q] === 0x2d
  if (negative) q++
  for (; q < limit && digits < 16; q++) {
    const c = chunk[q]!
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30)
      digits++
    } else if (c === 0x0d && digits > 0 && q + 1 < limit && chunk[q + 1] === LF) {
      after = q + 2
      return negative ? -value : value
    } else {
      return Number.NaN
    }
  }
  return Number.NaN
}

/** Frames a Redis client -> server stream. */
export class RedisFramer implements Framer {
  safe = 0
  private off = false
  private phase: Phase = 'idle'
  // The command being read: where it starts, its arguments so far, and whether it was reported early.
  private start = 0
  private words: string[] = []
  private early: Mutable<RedisMessage> | undefined
  private released = false
  // The line being read (inline command, `*n`, `$n`).
  private line: Buffer[] = []
  private lineLength = 0
  // The bulk argument being read: bytes left with its CRLF, bytes left to keep, the kept bytes.
  private argsLeft = 0
  private bulkLeft = 0
  private keepLeft = 0
  private word: Buffer[] = []

  constructor(private readonly events: FramerEvents) {}

  push(chunk: Buffer, offset: number): void {
    if (this.off) return
    let p = 0
    while (p < chunk.length && !this.off) {
      // A command not reported yet is read up to the window, exactly, whatever the chunking.
      let view = chunk
      if (this.phase !== 'idle' && !this.released) {
        const room = this.start + FRAMING_WINDOW - (offset + p)
        if (room <= 0) {
          this.release()
          continue
        }
        if (p + room < chunk.length) view = chunk.subarray(0, p + room)
      }
      if (this.phase === 'idle') {
        const end = this.whole(chunk, p, offset)
        if (end > 0) {
          p = end
          continue
        }
        this.begin(offset + p)
        if (chunk[p] === STAR) {
          this.phase = 'count'
          p++
        } else {
          this.phase = 'inline'
        }
      } else if (this.phase === 'bulk') {
        p = this.bulk(view, p, offset)
      } else {
        p = this.readLine(view, p, offset)
      }
    }
    if (this.off) return
    this.safe = this.phase !== 'idle' && !this.released ? this.start : offset + chunk.length
  }

  // The common case, read in place: a whole command of at most the window in this chunk, reported at
  // once. Returns the index past it, or -1 to take the byte-by-byte path (a command split across chunks,
  // longer than the window, or not RESP: that path decides).
  private whole(chunk: Buffer, p: number, offset: number): number {
    const limit = Math.min(chunk.length, p + FRAMING_WINDOW)
    // With no active trigger nobody reads the words: only the end is found.
    const listening = this.events.listening
    let words: string[] = []
    let q: number
    if (chunk[p] !== STAR) {
      const newline = chunk.indexOf(LF, p)
      if (newline < 0 || newline >= limit) return -1
      if (listening) words = inlineWords(chunk.toString('utf8', p, newline))
      q = newline + 1
    } else {
      const count = lengthAt(chunk, p + 1, limit)
      if (!(count > 0)) return -1
      q = after
      for (let i = 0; i < count; i++) {
        if (q >= limit || chunk[q] !== DOLLAR) return -1
        const length = lengthAt(chunk, q + 1, limit)
        if (!(length >= 0) || after + length + 2 > limit) return -1
        if (listening) words.push(chunk.toString('utf8', after, after + Math.min(length, MAX_ARG)))
        q = after + length + 2
      }
    }
    const [command = '', ...args] = words
    if (command !== '') {
      const start = offset + p
      this.events.message({ protocol: 'redis', command: command.toUpperCase(), args, start, end: offset + q })
    }
    return q
  }

  private begin(start: number): void {
    this.start = start
    this.words = []
    this.early = undefined
    this.released = false
  }

  private readLine(chunk: Buffer, p: number, offset: number): number {
    const newline = chunk.indexOf(LF, p)
    const stop = newline < 0 ? chunk.length : newline + 1
    this.line.push(chunk.subarray(p, stop))
    this.lineLength += stop - p
    // A length line longer than a number is not RESP. (An inline command longer than the window, which
    // Redis refuses too, stops framing when the window is reached.)
    if (this.phase !== 'inline' && this.lineLength > MAX_LENGTH_LINE) {
      this.stop()
      return chunk.length
    }
    if (newline < 0) return stop
    const line = this.line.length === 1 ? this.line[0]! : Buffer.concat(this.line)
    this.line = []
    this.lineLength = 0
    const text = line.toString(this.phase === 'inline' ? 'utf8' : 'latin1').replace(/\r?\n$/, '')
    if (this.phase === 'inline') {
      this.words = inlineWords(text)
      this.complete(offset + stop)
    } else if (this.phase === 'count') {
      const count = Number(text)
      if (!Number.isInteger(count)) this.stop()
      else if (count <= 0) this.complete(offset + stop)
      else {
        this.argsLeft = count
        this.phase = 'bulkHeader'
      }
    } else {
      const length = Number(text.slice(1))
      if (text.charCodeAt(0) !== DOLLAR || !Number.isInteger(length) || length < 0) this.stop()
      else {
        this.bulkLeft = length + 2
        this.keepLeft = this.released ? 0 : Math.min(length, MAX_ARG)
        this.word = []
        this.phase = 'bulk'
      }
    }
    return stop
  }

  private bulk(chunk: Buffer, p: number, offset: number): number {
    const n = Math.min(this.bulkLeft, chunk.length - p)
    if (this.keepLeft > 0) {
      const kept = Math.min(this.keepLeft, n)
      this.word.push(chunk.subarray(p, p + kept))
      this.keepLeft -= kept
    }
    this.bulkLeft -= n
    if (this.bulkLeft > 0) return p + n
    if (!this.released) this.words.push(this.wordText())
    this.word = []
    this.argsLeft--
    if (this.argsLeft === 0) this.complete(offset + p + n)
    else this.phase = 'bulkHeader'
    return p + n
  }

  private wordText(): string {
    return (this.word.length === 1 ? this.word[0]! : Buffer.concat(this.word)).toString('utf8')
  }

  private complete(end: number): void {
    this.phase = 'idle'
    if (this.early !== undefined) {
      this.early.end = end
      this.events.end(this.early)
    } else if (!this.released && this.events.listening) {
      const [command = '', ...args] = this.words
      if (command !== '')
        this.events.message({
          protocol: 'redis',
          command: command.toUpperCase(),
          args,
          start: this.start,
          end,
        })
    }
  }

  // The command reached the window unfinished: report it with the arguments read so far (the one being
  // read counts once its kept prefix is whole) and let the rest stream through. An inline command that
  // long is not one Redis accepts: framing stops.
  private release(): void {
    if (this.phase === 'inline') {
      this.stop()
      return
    }
    this.released = true
    const words = [...this.words]
    if (this.phase === 'bulk' && this.keepLeft === 0 && this.word.length > 0) words.push(this.wordText())
    this.word = []
    this.keepLeft = 0
    const [command = '', ...args] = words
    if (command === '' || !this.events.listening) return
    this.early = {
      protocol: 'redis',
      command: command.toUpperCase(),
      args,
      start: this.start,
      end: Number.POSITIVE_INFINITY,
    }
    this.events.message(this.early)
  }

  // Not RESP: forward everything from here on, unframed.
  private stop(): void {
    this.off = true
    this.safe = Number.POSITIVE_INFINITY
    this.line = []
    this.word = []
  }
}

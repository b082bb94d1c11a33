import type { Socket } from 'node:net'
import type { Random } from '@faultline/core'

/** A continuous change to how one direction forwards bytes, added by a fault and removed when it heals. */
export type Effect =
  | { readonly kind: 'latency'; readonly ms: number; readonly jitter: number; readonly random: Random }
  | { readonly kind: 'bandwidth'; readonly bytesPerSecond: number }
  | { readonly kind: 'blackHole' }
  | {
      readonly kind: 'slice'
      readonly size: number
      readonly sizeVariation: number
      readonly delay: number
      readonly random: Random
    }
  | { readonly kind: 'slowClose'; readonly ms: number }

/** An action to run once exactly `offset` bytes of this direction have been forwarded. */
export interface Mark {
  readonly offset: number
  readonly owner: object
  readonly run: () => void
}

interface Chunk {
  data: Buffer
  releaseAt: number
}

// Stop reading the source once this many forwardable bytes wait in the queue: the sender then sees TCP
// back-pressure, as it would behind a slow or partitioned network, and memory stays bounded.
const HIGH_WATER = 1 << 20

/**
 * One direction of a proxied connection: reads `source`, writes `sink`. Without effects or marks a chunk is
 * written as it arrives (the pass-through fast path); otherwise chunks wait in a FIFO queue and are released
 * by a pump that applies delay, rate, slicing and holds, and that stops exactly at mark offsets.
 */
export class Pipe {
  /** Bytes read from the source so far. */
  received = 0
  /** Bytes written to the sink so far. */
  forwarded = 0
  /**
   * Bytes beyond this stream offset are held back until a protocol framer has reported the message they
   * belong to (at most the framing window into it), so a trigger can still act before that message.
   * `Infinity` when no framer runs, and once the source has ended.
   */
  limit = Number.POSITIVE_INFINITY
  /** Called with every chunk read and its stream offset, before it is forwarded. */
  inspect: ((chunk: Buffer, offset: number) => void) | undefined

  private readonly queue: Chunk[] = []
  private queued = 0
  private readonly effects: Effect[] = []
  private marks: Mark[] = []
  private timer: NodeJS.Timeout | undefined
  private timerAt = Number.POSITIVE_INFINITY
  private draining = false
  private sourceEnded = false
  private endStarted = false
  private closed = false
  private frozen = false
  private shaping = false
  private held = false
  private tokens = 0
  private tokensAt = 0

  constructor(
    readonly direction: 'upstream' | 'downstream',
    private readonly source: Socket,
    private readonly sink: Socket,
  ) {}

  /** Bytes read and not yet handed to the sink's socket, plus what that socket has not yet written. */
  get buffered(): number {
    return this.queued + (this.sink.destroyed ? 0 : this.sink.writableLength)
  }

  /** Starts reading. Call once both sockets are connected. */
  start(): void {
    this.source.on('data', (chunk: Buffer) => this.onData(chunk))
    this.source.on('end', () => {
      this.sourceEnded = true
      // No byte can complete a message now: what a framer held back goes, then the FIN, as unframed.
      this.limit = Number.POSITIVE_INFINITY
      this.pump()
    })
    this.sink.on('drain', () => {
      this.draining = false
      this.pump()
    })
    this.source.resume()
  }

  /** Adds an effect; it applies to bytes read from now on (bytes already scheduled keep their schedule). */
  addEffect(effect: Effect): void {
    this.effects.push(effect)
    this.refresh()
  }

  /** Removes an effect added before; held bytes flow again if nothing else holds them. */
  removeEffect(effect: Effect): void {
    const index = this.effects.indexOf(effect)
    if (index >= 0) this.effects.splice(index, 1)
    this.refresh()
  }

  /** Adds an action at a stream offset; marks at the same offset run in the order they were added. */
  addMark(mark: Mark): void {
    let index = this.marks.length
    while (index > 0 && this.marks[index - 1]!.offset > mark.offset) index--
    this.marks.splice(index, 0, mark)
    this.pump()
  }

  /** Removes every mark added by `owner`. */
  removeMarks(owner: object): void {
    this.marks = this.marks.filter((mark) => mark.owner !== owner)
  }

  /** Forwards nothing more, for good, and stops propagating the end of stream: a black hole. */
  freeze(): void {
    this.frozen = true
    this.refresh()
  }

  /** Stops forwarding and drops what waits; the connection is going away. Clears the timer. */
  close(): void {
    this.closed = true
    this.queue.length = 0
    this.queued = 0
    this.marks = []
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    // Keep reading (and dropping) so a peer that is still talking sees its bytes consumed and can finish.
    if (!this.source.destroyed) this.source.resume()
  }

  private refresh(): void {
    this.held = this.frozen || this.effects.some((e) => e.kind === 'blackHole')
    this.shaping = this.held || this.effects.some((e) => e.kind !== 'slowClose')
    if (this.rate() === 0) this.tokens = 0
    this.pump()
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return
    const offset = this.received
    this.received += chunk.length
    this.inspect?.(chunk, offset)
    // A trigger may have acted at a message in this chunk, and closed the pipe.
    if (this.closed) return
    const mark = this.marks[0]
    if (
      this.queue.length === 0 &&
      !this.shaping &&
      !this.draining &&
      this.received <= this.limit &&
      (mark === undefined || mark.offset > this.received)
    ) {
      this.write(chunk)
      return
    }
    this.queue.push({ data: chunk, releaseAt: performance.now() + this.delay() })
    this.queued += chunk.length
    this.pump()
  }

  private write(data: Buffer): void {
    this.forwarded += data.length
    if (this.sink.destroyed) return
    if (!this.sink.write(data)) {
      this.draining = true
      this.source.pause()
    }
  }

  private pump(): void {
    if (this.closed) return
    while (!this.closed) {
      const mark = this.marks[0]
      if (mark !== undefined && mark.offset <= this.forwarded) {
        this.marks.shift()
        mark.run()
        continue
      }
      const head = this.queue[0]
      if (head === undefined || this.held || this.draining) break
      const t = performance.now()
      if (head.releaseAt > t) {
        this.wake(head.releaseAt)
        break
      }
      let n = Math.min(head.data.length, this.limit - this.forwarded)
      if (mark !== undefined) n = Math.min(n, mark.offset - this.forwarded)
      if (n <= 0) break
      const slice = this.slice()
      if (slice !== undefined) n = Math.min(n, sliceSize(slice))
      const rate = this.rate()
      if (rate > 0) {
        this.refill(t, rate)
        if (this.tokens < 1) {
          this.wake(t + ((1 - this.tokens) / rate) * 1000)
          break
        }
        n = Math.min(n, Math.floor(this.tokens))
        this.tokens -= n
      }
      if (n < head.data.length) {
        this.write(head.data.subarray(0, n))
        head.data = head.data.subarray(n)
        if (slice !== undefined) head.releaseAt = t + slice.delay
      } else {
        this.queue.shift()
        this.write(head.data)
      }
      this.queued -= n
    }
    if (this.closed) return
    this.flow()
    if (this.queue.length === 0 && this.sourceEnded && !this.held && !this.endStarted) this.endSink()
  }

  // Reading resumes only when the sink keeps up and the backlog is small. The backlog counts what a framer
  // holds back too: that is at most the framing window, far below HIGH_WATER, so holding never stalls.
  private flow(): void {
    const read = !this.draining && this.queued < HIGH_WATER
    if (read && this.source.isPaused()) this.source.resume()
    else if (!read && !this.source.isPaused()) this.source.pause()
  }

  private endSink(): void {
    this.endStarted = true
    let ms = 0
    for (const effect of this.effects) if (effect.kind === 'slowClose') ms = Math.max(ms, effect.ms)
    if (ms === 0) {
      this.sink.end()
      return
    }
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (!this.closed) this.sink.end()
    }, ms)
  }

  private wake(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.timerAt = Number.POSITIVE_INFINITY
        this.pump()
      },
      Math.max(0, at - performance.now()),
    )
  }

  private delay(): number {
    let ms = 0
    for (const effect of this.effects) {
      if (effect.kind === 'latency') ms += effect.ms + (effect.random.next() * 2 - 1) * effect.jitter
    }
    return Math.max(0, ms)
  }

  private rate(): number {
    let rate = 0
    for (const effect of this.effects) {
      if (effect.kind === 'bandwidth' && (rate === 0 || effect.bytesPerSecond < rate))
        rate = effect.bytesPerSecond
    }
    return rate
  }

  // Token bucket with a 20 ms burst, so the rate holds over any window longer than a few timer ticks.
  private refill(t: number, rate: number): void {
    const burst = Math.max(1, rate * 0.02)
    this.tokens = Math.min(burst, this.tokens + ((t - this.tokensAt) / 1000) * rate)
    this.tokensAt = t
  }

  private slice(): Extract<Effect, { kind: 'slice' }> | undefined {
    for (const effect of this.effects) if (effect.kind === 'slice') return effect
    return undefined
  }
}

function sliceSize(slice: Extract<Effect, { kind: 'slice' }>): number {
  const variation = (slice.random.next() * 2 - 1) * slice.sizeVariation
  return Math.max(1, Math.round(slice.size + variation))
}

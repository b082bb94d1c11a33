import { createRandom, type Random } from '../random.js'
import { errorKind } from './error-kind.js'
import type { TaskMix } from './mix.js'
import type { ResolvedLoadOptions } from './options.js'
import { LoadRecorder } from './recorder.js'
import type { LoadReport } from './report.js'
import type { LoadTaskContext } from './task.js'

interface InFlight {
  readonly startMs: number
  readonly tag: string | undefined
  done: boolean
  // Created only when the task reads `context.signal`: most tasks never do, and at 20,000 calls/s the
  // controllers would cost. One per call, because fetch keeps its listener on a signal after the call.
  controller?: AbortController
  abortReason?: unknown
}

function abortCall(entry: InFlight, reason: unknown): void {
  if (entry.abortReason !== undefined) return
  entry.abortReason = reason
  entry.controller?.abort(reason)
}

function signalOf(entry: InFlight): AbortSignal {
  if (!entry.controller) {
    entry.controller = new AbortController()
    if (entry.abortReason !== undefined) entry.controller.abort(entry.abortReason)
  }
  return entry.controller.signal
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') &&
  v !== null &&
  typeof (v as { then?: unknown }).then === 'function'

/**
 * The state of one load run shared by both models: the clock, the recorder, the calls in flight, the
 * end of the run (drain, grace period, abort). The models only decide when to call `launch`.
 */
export class LoadRun {
  readonly options: ResolvedLoadOptions
  readonly random: Random
  readonly recorder: LoadRecorder
  readonly t0 = performance.now()
  readonly inFlight = new Set<InFlight>()
  /** Set when no new call may start: the start window is over, the count reached, or the run aborted. */
  stopped = false
  issued = 0
  readonly #mix: TaskMix
  readonly #timers = new Set<NodeJS.Timeout>()
  #settle: ((report: LoadReport) => void) | undefined
  #fail: ((reason: unknown) => void) | undefined
  #startsDone = false
  #finished = false
  #onAbort: (() => void) | undefined

  constructor(options: ResolvedLoadOptions, mix: TaskMix, seed: number) {
    this.options = options
    this.#mix = mix
    this.random = createRandom(seed)
    this.recorder = new LoadRecorder({
      source: 'function',
      model: options.model,
      unit: 'calls',
      seed,
      intervalMs: options.interval,
      ...(options.name === undefined ? {} : { name: options.name }),
    })
  }

  /** Ms since the start of the run. */
  now(): number {
    return performance.now() - this.t0
  }

  /** Runs the model until the run ends; resolves with the report or rejects when aborted. */
  execute(drive: (run: LoadRun) => void): Promise<LoadReport> {
    return new Promise<LoadReport>((resolve, reject) => {
      this.#settle = resolve
      this.#fail = reject
      const signal = this.options.signal
      if (signal?.aborted) {
        this.#abort(signal.reason)
        return
      }
      if (signal) {
        this.#onAbort = () => this.#abort(signal.reason)
        signal.addEventListener('abort', this.#onAbort, { once: true })
      }
      // The closed model waits on its calls: bound its start window in time even if they never end.
      // (The open model's schedule ends by itself; a timer here could cut off arrivals still due.)
      if (this.options.model === 'closed' && Number.isFinite(this.options.startWindowMs)) {
        this.timer(() => this.startsDone(), this.options.startWindowMs)
      }
      drive(this)
    })
  }

  /** A timer that is cleared when the run ends, whatever way. */
  timer(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.#timers.delete(t)
      fn()
    }, ms)
    this.#timers.add(t)
  }

  /** May another call start now? Checks the count and the start window. */
  canStart(nowMs: number): boolean {
    if (this.stopped) return false
    if (this.issued >= this.options.count || nowMs >= this.options.startWindowMs) {
      this.startsDone()
      return false
    }
    return true
  }

  /** Picks the task of the next call (drawing from the seeded random source for a mix). */
  pick(): ReturnType<TaskMix['pick']> {
    return this.#mix.pick(this.random)
  }

  /**
   * Starts one call whose latency counts from `startMs` (the intended start in the open model).
   * Returns a promise that settles when the call is recorded, or nothing if it completed synchronously.
   */
  launch(index: number, startMs: number, picked: ReturnType<TaskMix['pick']>): Promise<void> | undefined {
    const entry: InFlight = { startMs, tag: picked.tag, done: false }
    this.inFlight.add(entry)
    let timeout: NodeJS.Timeout | undefined
    if (this.options.timeout !== undefined) {
      timeout = setTimeout(() => {
        this.#complete(entry, 'timeout')
        abortCall(entry, new DOMException('load call timed out', 'TimeoutError'))
      }, this.options.timeout)
    }
    const context: LoadTaskContext = {
      get signal() {
        return signalOf(entry)
      },
      index,
      tag: picked.tag,
      random: this.random,
    }
    const done = (kind: string | undefined) => {
      if (timeout) clearTimeout(timeout)
      this.#complete(entry, kind)
    }
    let result: unknown
    try {
      result = picked.run(context)
    } catch (error) {
      done(errorKind(error))
      return undefined
    }
    if (!isThenable(result)) {
      done(undefined)
      return undefined
    }
    return Promise.resolve(result).then(
      () => done(undefined),
      (error: unknown) => done(errorKind(error)),
    )
  }

  /** Records an arrival that could not start. */
  drop(startMs: number, tag: string | undefined): void {
    this.recorder.drop(startMs, tag)
  }

  /** No new call will start: wait for those in flight, at most `gracefulStop` ms. */
  startsDone(): void {
    if (this.#startsDone) return
    this.stopped = true
    this.#startsDone = true
    if (this.inFlight.size === 0) {
      this.#finish()
      return
    }
    this.timer(() => this.#finish(), this.options.gracefulStop)
  }

  #complete(entry: InFlight, kind: string | undefined): void {
    if (entry.done || this.#finished) return
    entry.done = true
    this.inFlight.delete(entry)
    const error = kind === undefined ? {} : { error: kind }
    const tag = entry.tag === undefined ? {} : { tag: entry.tag }
    this.recorder.record({ startMs: entry.startMs, latencyMs: this.now() - entry.startMs, ...error, ...tag })
    if (this.#startsDone && this.inFlight.size === 0) this.#finish()
  }

  #cleanup(): void {
    this.#finished = true
    this.stopped = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    if (this.#onAbort) this.options.signal?.removeEventListener('abort', this.#onAbort)
  }

  #finish(): void {
    if (this.#finished) return
    // Calls still in flight after the grace period count as failed, with the latency they reached so far.
    const now = this.now()
    for (const entry of this.inFlight) {
      const tag = entry.tag === undefined ? {} : { tag: entry.tag }
      this.recorder.record({
        startMs: entry.startMs,
        latencyMs: now - entry.startMs,
        error: 'unfinished',
        ...tag,
      })
    }
    this.#cleanup()
    const ended = new DOMException('load run ended', 'AbortError')
    for (const entry of this.inFlight) abortCall(entry, ended)
    this.inFlight.clear()
    this.#settle?.(this.recorder.finish(now))
  }

  #abort(reason: unknown): void {
    if (this.#finished) return
    this.#cleanup()
    for (const entry of this.inFlight) abortCall(entry, reason)
    this.inFlight.clear()
    this.#fail?.(reason)
  }
}

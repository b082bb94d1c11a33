import { createRandom, type Random } from '../random.js'
import { errorKind } from './error-kind.js'
import type { TaskMix } from './mix.js'
import type { ResolvedLoadOptions } from './options.js'
import { LoadRecorder } from './recorder.js'
import type { LoadReport } from './report.js'
import type { LoadTaskContext } from './task.js'

/**
 * One call in flight, and the context its task is handed (one object for both: at 20,000 calls/s every
 * allocation shows up as garbage-collection pauses, hence as scheduling lag).
 */
class Call implements LoadTaskContext {
  readonly index: number
  readonly tag: string | undefined
  readonly random: Random
  readonly startMs: number
  done = false
  timer: NodeJS.Timeout | undefined = undefined
  // Created only when the task reads `signal`: most tasks never do. One per call, because fetch keeps its
  // listener on a signal after the call, so a signal shared by the run would collect listeners.
  #controller: AbortController | undefined = undefined
  #abortReason: unknown = undefined

  constructor(index: number, startMs: number, tag: string | undefined, random: Random) {
    this.index = index
    this.startMs = startMs
    this.tag = tag
    this.random = random
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController()
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason)
    }
    return this.#controller.signal
  }

  abort(reason: unknown): void {
    if (this.#abortReason !== undefined) return
    this.#abortReason = reason
    this.#controller?.abort(reason)
  }
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
  readonly inFlight = new Set<Call>()
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
      ...(options.timeline === undefined ? {} : { timeline: options.timeline }),
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
    const call = new Call(index, startMs, picked.tag, this.random)
    this.inFlight.add(call)
    if (this.options.timeout !== undefined) {
      call.timer = setTimeout(() => {
        this.#complete(call, 'timeout')
        call.abort(new DOMException('load call timed out', 'TimeoutError'))
      }, this.options.timeout)
    }
    let result: unknown
    try {
      result = picked.run(call)
    } catch (error) {
      this.#complete(call, errorKind(error))
      return undefined
    }
    if (!isThenable(result)) {
      this.#complete(call, undefined)
      return undefined
    }
    return Promise.resolve(result).then(
      () => this.#complete(call, undefined),
      (error: unknown) => this.#complete(call, errorKind(error)),
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

  #complete(call: Call, kind: string | undefined): void {
    if (call.done || this.#finished) return
    call.done = true
    if (call.timer) clearTimeout(call.timer)
    this.inFlight.delete(call)
    this.recorder.recordCall(call.startMs, this.now() - call.startMs, kind, call.tag)
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
    for (const call of this.inFlight) {
      if (call.timer) clearTimeout(call.timer)
      this.recorder.recordCall(call.startMs, now - call.startMs, 'unfinished', call.tag)
    }
    this.#cleanup()
    const ended = new DOMException('load run ended', 'AbortError')
    for (const call of this.inFlight) call.abort(ended)
    this.inFlight.clear()
    this.#settle?.(this.recorder.finish(now))
  }

  #abort(reason: unknown): void {
    if (this.#finished) return
    this.#cleanup()
    for (const call of this.inFlight) {
      if (call.timer) clearTimeout(call.timer)
      call.abort(reason)
    }
    this.inFlight.clear()
    this.#fail?.(reason)
  }
}

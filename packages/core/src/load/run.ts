import { createRandom, mixSeed, type Random } from '../random.js'
import { announceLoadReport, loadRunStarted } from './announce.js'
import { errorKind } from './error-kind.js'
import type { TaskMix } from './mix.js'
import type { ResolvedLoadOptions } from './options.js'
import { Fifo } from './queue.js'
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
  /** Its outcome is in the recorder: it ended, or its timeout fired. */
  recorded = false
  /** Its task really ended: its slot is free. */
  ended = false
  /** Run time (ms) at which its timeout fired, if it did. */
  timedOutAtMs: number | undefined = undefined
  /** Still running a turn of the event loop after its timeout aborted it: its task ignores the signal. */
  overrunning = false
  timer: NodeJS.Timeout | undefined = undefined
  check: NodeJS.Immediate | undefined = undefined
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

  clearTimers(): void {
    if (this.timer) clearTimeout(this.timer)
    if (this.check) clearImmediate(this.check)
    this.timer = undefined
    this.check = undefined
  }
}

type Picked = ReturnType<TaskMix['pick']>

/** One part of a load run spread over `of` threads: this thread's `index` (0-based). */
export interface LoadPart {
  readonly index: number
  readonly of: number
}

/** An arrival of the open model waiting for a slot; its latency counts from `dueMs`. */
interface Waiting {
  readonly index: number
  readonly dueMs: number
  readonly picked: Picked
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') &&
  v !== null &&
  typeof (v as { then?: unknown }).then === 'function'

/**
 * The state of one load run shared by both models: the clock, the recorder, the calls in flight, the
 * open model's queue, the end of the run (drain, grace period, abort). The models only decide when to
 * call `start` (closed) or `arrive` (open).
 *
 * A call holds its slot until its task really ends. A timeout records the call as failed at once (kind
 * `timeout`) and aborts its signal, but a task that ignores the signal keeps running, and keeps its
 * slot: `maxInFlight` and `concurrency` bound what really runs, and the overrun goes into the report.
 */
export class LoadRun {
  readonly options: ResolvedLoadOptions
  /** The run's seed: the report's, and, for a part, the seed of the whole run's arrival schedule. */
  readonly seed: number
  /** Which part of a run spread over threads this is (see `loadPart`); undefined for a whole run. */
  readonly part: LoadPart | undefined
  /** The random source of the tasks' picks and contexts: a part's own stream, so parts do not repeat picks. */
  readonly random: Random
  readonly recorder: LoadRecorder
  readonly t0 = performance.now()
  readonly inFlight = new Set<Call>()
  /** Set when no new call may start: the start window is over, the count reached, or the run aborted. */
  stopped = false
  /** Calls started (closed) or arrivals (open, queued and dropped ones included). */
  issued = 0
  readonly #mix: TaskMix
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #queue = new Fifo<Waiting>()
  #pumping = false
  #settle: ((report: LoadReport) => void) | undefined
  /** Ends this run's count in `loadRunsMeasuring()`. */
  #measured: (() => void) | undefined
  #fail: ((reason: unknown) => void) | undefined
  #startsDone = false
  #finished = false
  #onAbort: (() => void) | undefined
  #onStop: (() => void) | undefined
  // What the throughput is measured over (see #activeEnd).
  #startsEndedMs: number | undefined
  #lastStartMs = 0
  #lastEndMs: number | undefined

  constructor(options: ResolvedLoadOptions, mix: TaskMix, seed: number, part?: LoadPart) {
    this.options = options
    this.#mix = mix
    this.seed = seed
    this.part = part
    this.random = createRandom(part ? mixSeed(seed, part.index + 1) : seed)
    this.recorder = new LoadRecorder({
      source: options.source,
      model: options.model,
      unit: options.unit,
      target: options.target,
      seed,
      interval: options.interval,
      name: options.name,
      timeline: options.timeline,
      timeout: options.timeout,
    })
  }

  /** Ms since the start of the run. */
  now(): number {
    return performance.now() - this.t0
  }

  /** Runs the model until the run ends; resolves with the report or rejects when aborted. */
  execute(drive: (run: LoadRun) => void): Promise<LoadReport> {
    return new Promise<LoadReport>((resolve, reject) => {
      this.#measured = loadRunStarted()
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
        this.timer(() => this.startsDone(this.options.startWindowMs), this.options.startWindowMs)
      }
      // Stopped early: no new call starts, as at the end of the duration; those in flight finish.
      const stop = this.options.stop
      if (stop?.aborted) this.startsDone()
      else if (stop) {
        this.#onStop = () => this.startsDone()
        stop.addEventListener('abort', this.#onStop, { once: true })
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

  /** May another call start (arrive) at `nowMs`? Checks the count and the start window. */
  canStart(nowMs: number): boolean {
    if (this.stopped) return false
    if (nowMs >= this.options.startWindowMs) {
      this.startsDone(this.options.startWindowMs)
      return false
    }
    if (this.issued >= this.options.count) {
      this.startsDone()
      return false
    }
    return true
  }

  // A part's calls are numbered as in the whole run: its i-th is the run's (i x parts + part)-th, which
  // in the open model is exactly the arrival it takes from the shared schedule.
  #callIndex(local: number): number {
    return this.part ? local * this.part.of + this.part.index : local
  }

  /** Picks the task of the next call (drawing from the seeded random source for a mix). */
  pick(): Picked {
    return this.#mix.pick(this.random)
  }

  /**
   * Closed model: starts one call now. Returns a promise that settles when its task really ends (a
   * worker waits on it, timed out or not), or nothing if it ended synchronously.
   */
  start(nowMs: number, picked: Picked): Promise<void> | undefined {
    const ended = this.#launch(this.#callIndex(this.issued++), nowMs, picked, nowMs)
    // The count is reached: the grace period starts now, not when a worker next looks.
    if (this.issued >= this.options.count) this.startsDone()
    return ended
  }

  /**
   * Open model: an arrival due at `dueMs`. It starts at once if a slot is free, else waits in line (its
   * latency still counting from `dueMs`) up to `maxQueued`; beyond, it is dropped (a failure).
   */
  arrive(dueMs: number, nowMs: number, picked: Picked): void {
    const index = this.#callIndex(this.issued++)
    this.recorder.lag(nowMs - dueMs)
    if (this.#queue.size === 0 && this.inFlight.size < this.options.maxInFlight) {
      void this.#launch(index, dueMs, picked, nowMs)
    } else if (this.#queue.size < this.options.maxQueued) {
      this.#queue.push({ index, dueMs, picked })
    } else {
      this.recorder.drop(dueMs, picked.tag)
    }
    if (this.issued >= this.options.count) this.startsDone()
  }

  /**
   * No new call will start (arrive): wait for those in flight and queued, at most `gracefulStop` ms.
   * `atMs` is when the start window ended (the end of the duration), else now.
   */
  startsDone(atMs?: number): void {
    if (this.#startsDone) return
    this.stopped = true
    this.#startsDone = true
    this.#startsEndedMs = atMs ?? this.now()
    if (this.inFlight.size === 0 && this.#queue.size === 0) {
      this.#finish()
      return
    }
    this.timer(() => this.#finish(), this.options.gracefulStop)
  }

  #launch(index: number, startMs: number, picked: Picked, nowMs: number): Promise<void> | undefined {
    const call = new Call(index, startMs, picked.tag, this.random)
    this.inFlight.add(call)
    this.#lastStartMs = nowMs
    if (this.options.timeout !== undefined) {
      call.timer = setTimeout(() => this.#timeout(call), this.options.timeout)
    }
    let result: unknown
    try {
      result = picked.run(call)
    } catch (error) {
      this.#end(call, errorKind(error))
      return undefined
    }
    if (!isThenable(result)) {
      this.#end(call, undefined)
      return undefined
    }
    return Promise.resolve(result).then(
      () => this.#end(call, undefined),
      (error: unknown) => this.#end(call, errorKind(error)),
    )
  }

  // The timeout fired: the call fails now, with the latency it reached, and its signal is aborted. It
  // keeps its slot until its task really ends.
  #timeout(call: Call): void {
    call.timer = undefined
    if (call.recorded || this.#finished) return
    const now = this.now()
    this.#record(call, now, 'timeout')
    call.timedOutAtMs = now
    call.abort(new DOMException('load call timed out', 'TimeoutError'))
    // A task that honours its signal ends within this turn of the event loop (its rejection runs as a
    // microtask); one still running at the next turn ignores it, and its overrun is recorded at its end.
    if (!call.ended) {
      call.check = setImmediate(() => {
        call.check = undefined
        if (!call.ended) call.overrunning = true
      })
    }
  }

  #record(call: Call, nowMs: number, kind: string | undefined): void {
    call.recorded = true
    this.recorder.recordCall(call.startMs, nowMs - call.startMs, kind, call.tag)
  }

  // The task really ended (settled): record it unless its timeout already did, free its slot.
  #end(call: Call, kind: string | undefined): void {
    if (call.ended || this.#finished) return
    call.ended = true
    const now = this.now()
    if (!call.recorded) this.#record(call, now, kind)
    else if (call.overrunning && call.timedOutAtMs !== undefined) {
      this.recorder.overrun(call.startMs, now - call.timedOutAtMs, call.tag)
    }
    call.clearTimers()
    this.inFlight.delete(call)
    this.#lastEndMs = now
    if (this.#queue.size > 0) this.#pump()
    if (this.#startsDone && this.inFlight.size === 0 && this.#queue.size === 0) this.#finish()
  }

  // Starts waiting arrivals while slots are free, oldest first. Not re-entered: a task that ends
  // synchronously ends inside #launch, and this loop picks up the next one.
  #pump(): void {
    if (this.#pumping) return
    this.#pumping = true
    try {
      let now = this.now()
      while (this.#queue.size > 0 && this.inFlight.size < this.options.maxInFlight && !this.#finished) {
        const next = this.#queue.shift()!
        void this.#launch(next.index, next.dueMs, next.picked, now)
        now = this.now()
      }
    } finally {
      this.#pumping = false
    }
  }

  /**
   * Where the run stopped loading the system, for the throughput: the drain after it (calls waiting out
   * `gracefulStop`) is not part of the rate. Open model: the end of the arrival window, or the last
   * start if queued arrivals started later. Closed model: the workers were busy until their last call
   * ended by itself (the whole run if none did).
   */
  #activeEnd(now: number): number {
    const startsEnded = this.#startsEndedMs ?? now
    const end =
      this.options.model === 'open'
        ? Math.max(startsEnded, this.#lastStartMs)
        : this.#lastEndMs === undefined
          ? now
          : Math.max(startsEnded, this.#lastEndMs)
    return Math.min(end, now)
  }

  #cleanup(): void {
    this.#measured?.()
    this.#finished = true
    this.stopped = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    if (this.#onAbort) this.options.signal?.removeEventListener('abort', this.#onAbort)
    if (this.#onStop) this.options.stop?.removeEventListener('abort', this.#onStop)
  }

  #finish(): void {
    if (this.#finished) return
    // Calls still in flight after the grace period count as failed, with the latency they reached so far;
    // those that already timed out ran on past it. Arrivals still waiting never started: dropped.
    const now = this.now()
    for (const call of this.inFlight) {
      call.clearTimers()
      if (!call.recorded) this.#record(call, now, 'unfinished')
      else if (call.timedOutAtMs !== undefined) {
        this.recorder.overrun(call.startMs, now - call.timedOutAtMs, call.tag)
      }
    }
    for (const waiting of this.#queue.drain()) this.recorder.drop(waiting.dueMs, waiting.picked.tag)
    const activeMs = this.#activeEnd(now)
    this.#cleanup()
    const ended = new DOMException('load run ended', 'AbortError')
    for (const call of this.inFlight) call.abort(ended)
    this.inFlight.clear()
    const report = this.recorder.finish(now, { activeMs })
    announceLoadReport(report)
    this.#settle?.(report)
  }

  #abort(reason: unknown): void {
    if (this.#finished) return
    this.#cleanup()
    this.#queue.drain()
    for (const call of this.inFlight) {
      call.clearTimers()
      call.abort(reason)
    }
    this.inFlight.clear()
    this.#fail?.(reason)
  }
}

import { now } from '../clock.js'
import { type ActiveFault, FaultWindow } from '../fault.js'
import { createRandom, type Random } from '../random.js'
import { InjectedFaultError } from './errors.js'
import type { FaultBehaviour, InjectOptions } from './options.js'

/** What a fault has seen so far. */
export interface FaultStats {
  /** Every call through the wrapper, hit or not. */
  readonly calls: number
  /** Calls made while enabled that passed `when`. */
  readonly matched: number
  /** Calls the fault hit (matched and drawn under `rate`). */
  readonly injected: number
  /** Calls waiting right now in a black hole or a delay. */
  readonly waiting: number
}

/** The default signal of a call: an AbortSignal argument, or the `signal` of an object argument. */
function findSignal(args: readonly unknown[]): AbortSignal | undefined {
  for (const arg of args) {
    if (arg instanceof AbortSignal) return arg
    if (typeof arg === 'object' && arg !== null && 'signal' in arg) {
      const signal = (arg as { signal?: unknown }).signal
      if (signal instanceof AbortSignal) return signal
    }
  }
  return undefined
}

/**
 * An applied in-process fault, Faultline's {@link ActiveFault} for a wrapped function or method: decides
 * which calls it hits, counts them, and records each enabled window on the timeline. Made by `injectFault` /
 * `injectMethod`.
 *
 * `await fault.heal()` ends it: it stops hitting calls, calls held in a black hole or a delay go on to the
 * real function, and its window on the timeline closes. `disable()` / `enable()` switch it off and on again
 * (each `enable()` opens a new window). Disposing it (`await using`, or `using`: restoring is synchronous)
 * heals it and puts back the wrapped method for good.
 *
 * @example
 * await using fault = injectMethod(llm, 'complete', { kind: 'error', rate: 0.2, seed: 42 })
 * // ... calls ...
 * fault.stats() // { calls: 100, matched: 100, injected: 21, waiting: 0 }
 * await fault.heal()
 */
export class InjectedFault<A extends unknown[] = unknown[], R = unknown> implements ActiveFault, Disposable {
  readonly name: string
  readonly kind: FaultBehaviour<A, R>['kind']
  /** What it was applied to, as given by `options.target` (e.g. `llm`). */
  readonly target: string | undefined
  /** The share of matching calls hit, 0-1. */
  readonly rate: number
  /** The seed of the rate decisions and jitter: print it with a failure to replay the run. */
  readonly seed: number
  readonly #options: InjectOptions<A, R>
  readonly #random: Random
  readonly #waiters = new Set<() => void>()
  readonly #restore: () => void
  readonly #createdAt = now()
  #window: FaultWindow | undefined
  #disposed = false
  #calls = 0
  #matched = 0
  #injected = 0

  /** @internal Use `injectFault` or `injectMethod`. */
  constructor(options: InjectOptions<A, R>, defaultName: string, restore: () => void = () => {}) {
    this.#options = options
    this.kind = options.kind
    this.name = options.name ?? defaultName
    this.target = options.target
    this.rate = options.rate ?? 1
    this.#random = createRandom(options.seed)
    this.seed = this.#random.seed
    this.#restore = restore
    if (options.enabled ?? true) this.enable()
  }

  /** True while the fault hits calls (enabled, not healed). */
  get active(): boolean {
    return this.#window?.open ?? false
  }

  /** When its current (or last) window opened, epoch ms; before the first `enable()`, when it was made. */
  get startedAt(): number {
    return this.#window?.startedAt ?? this.#createdAt
  }

  /** When its last window closed, epoch ms; undefined while active or never enabled. */
  get healedAt(): number | undefined {
    return this.#window?.healedAt
  }

  /** Counters of calls seen and faults injected. */
  stats(): FaultStats {
    return {
      calls: this.#calls,
      matched: this.#matched,
      injected: this.#injected,
      waiting: this.#waiters.size,
    }
  }

  /** Starts hitting calls (again): a new window on the timeline. No-op while active or after dispose. */
  enable(): this {
    if (this.active || this.#disposed) return this
    this.#window = new FaultWindow(this.name, {
      timeline: this.#options.timeline,
      target: this.target,
      details: { kind: this.kind, rate: this.rate, seed: this.seed },
    })
    return this
  }

  /**
   * Stops hitting calls, synchronously: calls held in a black hole or a delay go on to the real function
   * now, and the window on the timeline closes. `enable()` turns it on again. Idempotent.
   */
  disable(): this {
    this.#window?.close()
    for (const release of [...this.#waiters]) release()
    return this
  }

  /** Ends the fault (see `disable()`); resolves once it no longer hits calls. Idempotent. */
  async heal(): Promise<void> {
    this.disable()
  }

  /**
   * Heals and puts back what was wrapped (the object's method), for `using`: both are synchronous.
   * Idempotent; the fault cannot be enabled again.
   */
  [Symbol.dispose](): void {
    this.disable()
    if (this.#disposed) return
    this.#disposed = true
    this.#restore()
  }

  /** Same as `[Symbol.dispose]`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this[Symbol.dispose]()
  }

  /** @internal Runs one call of the wrapped function through the fault. */
  async invoke(original: (...args: A) => R | Promise<R>, thisArg: unknown, args: A): Promise<R> {
    this.#calls++
    const o = this.#options
    if (!this.active || (o.when !== undefined && !o.when(...args))) return original.apply(thisArg, args)
    this.#matched++
    // Draw only for matched calls, so the same calls in the same order meet the same decisions for a seed.
    if (this.rate < 1 && this.#random.next() >= this.rate) return original.apply(thisArg, args)
    this.#injected++
    switch (o.kind) {
      case 'error':
        throw o.error === undefined
          ? new InjectedFaultError(this.name)
          : o.error instanceof Error
            ? o.error
            : o.error(...args)
      case 'outcome':
        return o.outcome(...args)
      case 'latency':
        await this.#wait(args, o.ms + (o.jitter ?? 0) * this.#random.next())
        return original.apply(thisArg, args)
      case 'blackHole':
        await this.#wait(args, undefined)
        return original.apply(thisArg, args)
    }
  }

  // Waits `ms` (forever when undefined) unless the call's signal aborts (rejects with its reason) or the
  // fault heals (resolves at once), and leaves no listener or timer behind either way.
  #wait(args: A, ms: number | undefined): Promise<void> {
    const signal = this.#options.signal ? this.#options.signal(...args) : findSignal(args)
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.#waiters.delete(release)
      }
      const release = (): void => {
        done()
        resolve()
      }
      const onAbort = (): void => {
        done()
        reject(signal?.reason)
      }
      this.#waiters.add(release)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (ms !== undefined) timer = setTimeout(release, ms)
    })
  }
}

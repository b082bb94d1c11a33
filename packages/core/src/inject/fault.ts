import { createRandom, type Random } from '../random.js'
import type { TimelineMark } from '../timeline.js'
import { InjectedFaultError } from './errors.js'
import type { FaultBehaviour, FaultOptions } from './options.js'

/** What a fault has seen so far. */
export interface FaultStats {
  /** Every call through the wrapper, hit or not. */
  readonly calls: number
  /** Calls made while enabled that passed `when`. */
  readonly matched: number
  /** Calls the fault hit (matched and drawn under `rate`). */
  readonly injected: number
  /** Calls waiting right now in a hang or a delay. */
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
 * An applied in-process fault: decides which calls it hits, counts them, and records its enabled windows on
 * the timeline. Made by `injectFault` / `injectMethod`; dispose it (`await using`) to heal and restore.
 *
 * @example
 * await using fault = injectMethod(llm, 'complete', { kind: 'error', rate: 0.2, seed: 42 })
 * // ... calls ...
 * fault.stats() // { calls: 100, matched: 100, injected: 21, waiting: 0 }
 */
export class Fault<A extends unknown[] = unknown[], R = unknown> implements AsyncDisposable, Disposable {
  readonly name: string
  readonly kind: FaultBehaviour<A, R>['kind']
  /** The share of matching calls hit, 0-1. */
  readonly rate: number
  /** The seed of the rate decisions and jitter: print it with a failure to replay the run. */
  readonly seed: number
  readonly #options: FaultOptions<A, R>
  readonly #random: Random
  readonly #waiters = new Set<() => void>()
  readonly #restore: () => void
  #enabled = false
  #disposed = false
  #mark: TimelineMark | undefined
  #calls = 0
  #matched = 0
  #injected = 0
  #startedAt: number | undefined
  #healedAt: number | undefined

  /** @internal Use `injectFault` or `injectMethod`. */
  constructor(options: FaultOptions<A, R>, defaultName: string, restore: () => void = () => {}) {
    this.#options = options
    this.kind = options.kind
    this.name = options.name ?? defaultName
    this.rate = options.rate ?? 1
    this.#random = createRandom(options.seed)
    this.seed = this.#random.seed
    this.#restore = restore
    if (options.enabled ?? true) this.enable()
  }

  /** True while the fault hits calls. */
  get enabled(): boolean {
    return this.#enabled
  }

  /** When it was last enabled (epoch ms), if ever. */
  get startedAt(): number | undefined {
    return this.#startedAt
  }

  /** When it last healed (epoch ms); undefined while it has not (or is enabled again). */
  get healedAt(): number | undefined {
    return this.#enabled ? undefined : this.#healedAt
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

  /** Starts hitting calls (again); a new window on the timeline. No-op while enabled or after dispose. */
  enable(): this {
    if (this.#enabled || this.#disposed) return this
    this.#enabled = true
    this.#startedAt = Date.now()
    this.#mark = this.#options.timeline?.start(this.name, {
      at: this.#startedAt,
      ...(this.#options.target === undefined ? {} : { target: this.#options.target }),
      details: { kind: this.kind, rate: this.rate, seed: this.seed },
    })
    return this
  }

  /** Stops hitting calls; calls hanging or delayed by it go on to the real function now. Idempotent. */
  heal(): this {
    if (this.#enabled) {
      this.#enabled = false
      this.#healedAt = Date.now()
      this.#mark?.heal(this.#healedAt)
      this.#mark = undefined
    }
    for (const release of [...this.#waiters]) release()
    return this
  }

  /** Heals and restores what was wrapped (the object's method). Idempotent. */
  [Symbol.dispose](): void {
    this.heal()
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
    if (!this.#enabled || (o.when !== undefined && !o.when(...args))) return original.apply(thisArg, args)
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
        await this.#wait(args, o.ms + (o.jitterMs ?? 0) * this.#random.next())
        return original.apply(thisArg, args)
      case 'hang':
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

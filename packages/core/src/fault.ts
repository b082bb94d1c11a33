// The one shape of a fault in Faultline. Whatever applies it (an in-process injector, the TCP proxy, an
// HTTP upstream stub, a container operation), applying returns an ActiveFault, and healing it is always
// `await fault.heal()` or the end of an `await using` block.
import { now } from './clock.js'
import type { Timeline, TimelineMark } from './timeline.js'

/**
 * A fault in effect. `heal()` ends it (idempotent; concurrent calls share one attempt) and resolves once
 * the system is back as it was, as far as the fault can undo itself. `[Symbol.asyncDispose]` heals, so
 * `await using` heals a fault even when the test fails in the middle.
 *
 * @example
 * {
 *   await using outage = proxy.blackHole()
 *   // ... calls through the proxy hang ...
 * } // healed here
 */
export interface ActiveFault extends AsyncDisposable {
  /** How the fault reads on a timeline and in messages, e.g. `pg paused`, `latency downstream`. */
  readonly name: string
  /** What it was applied to, e.g. a service's name, a proxy's upstream, a wrapped function. */
  readonly target: string | undefined
  /** When it was applied, epoch ms (core's `now()`). */
  readonly startedAt: number
  /** When it healed, epoch ms; undefined while it is active. */
  readonly healedAt: number | undefined
  /** True until healed. */
  readonly active: boolean
  /** Ends the fault. Idempotent; resolves when the fault is undone. */
  heal(): Promise<void>
}

/** The options every fault-applying call takes to be recorded. */
export interface TimelineOptions {
  /** The timeline to record the fault's window on (`report.during(name)` reads it). */
  readonly timeline?: Timeline | undefined
}

/**
 * The timeline side of one fault window: opened when the fault is applied, closed once when it heals.
 * Fault implementations use it so every fault records the same way.
 *
 * @example
 * const window = new FaultWindow('pg paused', { timeline, target: 'pg', details: { operation: 'pause' } })
 * // ... later, on heal:
 * window.close()
 */
export class FaultWindow {
  readonly name: string
  readonly target: string | undefined
  readonly startedAt: number
  #healedAt: number | undefined
  #mark: TimelineMark | undefined

  constructor(
    name: string,
    options: {
      readonly timeline?: Timeline | undefined
      readonly target?: string | undefined
      readonly details?: Readonly<Record<string, unknown>>
      readonly at?: number
    } = {},
  ) {
    this.name = name
    this.target = options.target
    this.startedAt = options.at ?? now()
    this.#mark = options.timeline?.start(name, {
      at: this.startedAt,
      target: options.target,
      details: options.details,
    })
  }

  /** When the window closed, epoch ms; undefined while open. */
  get healedAt(): number | undefined {
    return this.#healedAt
  }

  /** True until closed. */
  get open(): boolean {
    return this.#healedAt === undefined
  }

  /** Closes the window at `at` (default now). Idempotent: only the first call counts. */
  close(at: number = now()): void {
    if (this.#healedAt !== undefined) return
    this.#healedAt = at
    this.#mark?.heal(at)
    this.#mark = undefined
  }
}

/**
 * True for anything shaped like an {@link ActiveFault} (from any package, or any copy of core).
 *
 * @example
 * if (isActiveFault(value)) await value.heal()
 */
export function isActiveFault(value: unknown): value is ActiveFault {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<ActiveFault>
  return typeof v.heal === 'function' && typeof v.name === 'string' && typeof v.startedAt === 'number'
}

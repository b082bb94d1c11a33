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

/**
 * The common part of every fault class: its window on the timeline, the `ActiveFault` getters, and a heal
 * that is idempotent (concurrent calls share one attempt; once healed, later calls do nothing) and can be
 * retried (a failed undo leaves the fault active). A subclass says how to undo itself in `undo()`, or
 * calls `healWith()` when its heal takes options.
 *
 * @example
 * class FlagFault extends AppliedFault {
 *   constructor(readonly flags: Map<string, boolean>, timeline?: Timeline) {
 *     super('cache off', { timeline, target: 'cache' })
 *     flags.set('cache', false)
 *   }
 *   protected undo(): void {
 *     this.flags.set('cache', true)
 *   }
 * }
 * await using fault = new FlagFault(flags, timeline)
 */
export abstract class AppliedFault implements ActiveFault {
  readonly #window: FaultWindow
  #healing: Promise<void> | undefined

  protected constructor(name: string, options: ConstructorParameters<typeof FaultWindow>[1] = {}) {
    this.#window = new FaultWindow(name, options)
  }

  get name(): string {
    return this.#window.name
  }

  get target(): string | undefined {
    return this.#window.target
  }

  get startedAt(): number {
    return this.#window.startedAt
  }

  get healedAt(): number | undefined {
    return this.#window.healedAt
  }

  get active(): boolean {
    return this.#window.open
  }

  /** Ends the fault: undoes it, then closes its window. Idempotent; a failed undo can be retried. */
  heal(): Promise<void> {
    return this.healWith(() => this.undo())
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.heal()
  }

  /** Undoes the fault; resolves when the system is as it was, as far as this fault can tell. */
  protected abstract undo(): void | Promise<void>

  /** Heals with this `undo` (for a heal that takes options), sharing one attempt between callers. */
  protected healWith(undo: () => void | Promise<void>): Promise<void> {
    if (!this.active) return Promise.resolve()
    // An async function runs until its first await at once: a synchronous undo has taken effect, and the
    // fault reads healed, as soon as heal() returns.
    this.#healing ??= (async () => {
      const undoing = undo()
      if (undoing instanceof Promise) await undoing
      this.markHealed()
    })().finally(() => {
      this.#healing = undefined
    })
    return this.#healing
  }

  /** Closes the window (at `at`, default now) without undoing: something else already brought it back. */
  protected markHealed(at?: number): void {
    if (!this.active) return
    this.#window.close(at)
    this.onHealed()
  }

  /** Called once, when the fault has healed (e.g. to forget it). */
  protected onHealed(): void {}
}

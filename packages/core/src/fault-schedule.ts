// A declarative list of faults to apply beside a load run: each at its time, healed after its duration,
// and every one healed when the schedule ends, whatever happened (a load that failed, an apply that
// threw, a heal that threw). Works with any ActiveFault: container chaos, proxy faults, stubs, injectors.
import { now } from './clock.js'
import { describeValue } from './describe-value.js'
import { FaultlineArgumentError, FaultlineError } from './errors.js'
import type { ActiveFault } from './fault.js'
import { isActiveFault } from './fault.js'
import type { Timeline } from './timeline.js'
import { checkFunction, checkNumber, optionalNumber } from './validate.js'

/** What a scheduled fault's `apply` is handed: the schedule's timeline, to record the fault on. */
export interface ScheduledFaultContext {
  readonly timeline: Timeline | undefined
}

/** One fault of a schedule. */
export interface ScheduledFault {
  /** When to apply it: ms after the schedule started. */
  readonly at: number
  /**
   * How long it stays (ms), from when it took effect (its `startedAt`), before the schedule heals it;
   * without it, until the schedule ends.
   */
  readonly duration?: number
  /** Applies the fault, e.g. `({ timeline }) => redis.stop({ timeline })`. */
  readonly apply: (context: ScheduledFaultContext) => ActiveFault | Promise<ActiveFault>
}

/** Options of `scheduleFaults`. */
export interface FaultScheduleOptions {
  /** Handed to every `apply`, so each fault is recorded on it (`report.during(name)` reads it). */
  readonly timeline?: Timeline
  /** Ends the schedule (every fault healed, none applied after) when aborted. */
  readonly signal?: AbortSignal
}

interface Step {
  readonly index: number
  readonly fault: ScheduledFault
  readonly done: Promise<void>
}

/**
 * Faults applied on a schedule while something else runs (a load). Each fault of the list is applied at
 * `at` ms and healed `duration` ms later; `heal()` (or the end of an `await using` block) cancels what has
 * not started, waits for an apply in progress, and heals every fault still active, then rejects with
 * `FAULT_SCHEDULE_FAILED` if any apply or heal threw (every fault was still healed).
 *
 * @example
 * const timeline = new Timeline()
 * await using faults = scheduleFaults(
 *   [
 *     { at: 2_000, duration: 3_000, apply: ({ timeline }) => redis.stop({ timeline }) },
 *     { at: 3_000, apply: ({ timeline }) => llm.blackHole({ timeline }) }, // until the end
 *   ],
 *   { timeline },
 * )
 * const report = await load(call, { rate: 100, duration: 10_000, timeline })
 * await faults.heal()
 * expect(report.during('redis stopped')).toHaveErrorRateBelow(0.01)
 */
export class FaultSchedule implements AsyncDisposable {
  /** Epoch ms when the schedule started (core's `now()`): `at` counts from here. */
  readonly startedAt: number
  readonly #timeline: Timeline | undefined
  readonly #steps: Step[]
  readonly #applied: ActiveFault[] = []
  readonly #errors: Error[] = []
  readonly #stop = new AbortController()
  #healing: Promise<void> | undefined

  constructor(faults: readonly ScheduledFault[], options: FaultScheduleOptions = {}) {
    checkFaults(faults)
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new FaultlineArgumentError(
        'options.signal',
        `expected an AbortSignal, got ${describeValue(options.signal)}`,
        scheduleFaults,
      )
    }
    this.#timeline = options.timeline
    this.startedAt = now()
    const onAbort = () => this.#stop.abort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.signal?.aborted) this.#stop.abort()
    this.#steps = faults.map((fault, index) => ({ index, fault, done: this.#run(index, fault) }))
    void Promise.allSettled(this.#steps.map((s) => s.done)).then(() =>
      options.signal?.removeEventListener('abort', onAbort),
    )
  }

  /** The faults applied so far, in the order they were applied. */
  get applied(): readonly ActiveFault[] {
    return [...this.#applied]
  }

  /** What went wrong so far: applies and heals that threw (`heal()` rejects with them). */
  get errors(): readonly Error[] {
    return [...this.#errors]
  }

  /** True until the schedule ended (`heal()`, or its signal aborted). */
  get active(): boolean {
    return !this.#stop.signal.aborted
  }

  /**
   * Ends the schedule: nothing more is applied, and every applied fault is healed. Idempotent. Rejects with
   * a `FaultlineError` (`FAULT_SCHEDULE_FAILED`) naming each apply or heal that threw.
   */
  heal(): Promise<void> {
    this.#healing ??= (async () => {
      this.#stop.abort()
      await Promise.allSettled(this.#steps.map((s) => s.done))
      // A step heals its own fault; one whose heal threw is tried once more here.
      for (const fault of [...this.#applied].reverse()) {
        if (!fault.active) continue
        try {
          await fault[Symbol.asyncDispose]()
        } catch (error) {
          this.#fail(`heal ${fault.name}`, error)
        }
      }
      if (this.#errors.length > 0) {
        throw new FaultlineError(
          'FAULT_SCHEDULE_FAILED',
          `the fault schedule failed (every applied fault was healed): ${this.#errors.map((e) => e.message).join('; ')}`,
          { cause: this.#errors.length === 1 ? this.#errors[0] : new AggregateError(this.#errors) },
        )
      }
    })()
    return this.#healing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.heal()
  }

  async #run(index: number, step: ScheduledFault): Promise<void> {
    const what = `faults[${index}] (at ${step.at} ms)`
    if (!(await this.#until(this.startedAt + step.at))) return
    let fault: ActiveFault
    try {
      fault = await step.apply({ timeline: this.#timeline })
      if (!isActiveFault(fault)) {
        throw new TypeError(
          `apply returned ${describeValue(fault)}, not an ActiveFault (a fault with heal())`,
        )
      }
    } catch (error) {
      this.#fail(`${what} apply`, error)
      return
    }
    this.#applied.push(fault)
    // The fault lasts `duration` from when it took effect: a container stop that took a second to apply
    // still keeps the service down for the whole duration.
    if (step.duration !== undefined) await this.#until(fault.startedAt + step.duration)
    else await this.#until(Number.POSITIVE_INFINITY)
    try {
      // Disposed, not only healed: the schedule owns the fault, and an injector's dispose also puts back
      // the method it wrapped.
      await fault[Symbol.asyncDispose]()
    } catch (error) {
      this.#fail(`${what} heal ${fault.name}`, error)
    }
  }

  // Waits until epoch ms `at`; false when the schedule ended first.
  #until(at: number): Promise<boolean> {
    const signal = this.#stop.signal
    if (signal.aborted) return Promise.resolve(false)
    return new Promise((resolve) => {
      const timer =
        at === Number.POSITIVE_INFINITY
          ? undefined
          : setTimeout(
              () => {
                signal.removeEventListener('abort', onAbort)
                // A timer may fire a little early on core's clock: wait out the rest.
                resolve(now() >= at ? true : this.#until(at))
              },
              Math.max(0, at - now()),
            )
      const onAbort = () => {
        clearTimeout(timer)
        resolve(false)
      }
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  #fail(what: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error)
    this.#errors.push(new Error(`${what}: ${reason}`, { cause: error }))
  }
}

function checkFaults(faults: unknown): asserts faults is readonly ScheduledFault[] {
  if (!Array.isArray(faults)) {
    throw new FaultlineArgumentError(
      'faults',
      `expected an array of { at, duration?, apply }, got ${describeValue(faults)}`,
      scheduleFaults,
    )
  }
  faults.forEach((fault: Partial<ScheduledFault> | undefined, i) => {
    if (typeof fault !== 'object' || fault === null) {
      throw new FaultlineArgumentError(
        `faults[${i}]`,
        `expected { at, duration?, apply }, got ${describeValue(fault)}`,
        scheduleFaults,
      )
    }
    checkNumber(fault.at, `faults[${i}].at`, { unit: 'ms', min: 0 }, scheduleFaults)
    optionalNumber(
      fault.duration,
      `faults[${i}].duration`,
      { unit: 'ms', above: 0 },
      undefined,
      scheduleFaults,
    )
    checkFunction(fault.apply, `faults[${i}].apply`, {}, scheduleFaults)
  })
}

/**
 * Starts a fault schedule: each fault applied `at` ms from now, healed after its `duration` (or when the
 * schedule ends), all on `timeline`. Start it right before the load it runs beside; end it with
 * `await using` or `heal()`, which heals every fault whatever happened.
 *
 * @example
 * const timeline = new Timeline()
 * await using faults = scheduleFaults(
 *   [{ at: 1_000, duration: 2_000, apply: ({ timeline }) => injectMethod(prices, 'get', { kind: 'error', timeline }) }],
 *   { timeline },
 * )
 * const report = await load(() => prices.get('sku-1'), { rate: 50, duration: 5_000, timeline })
 * expect(report.during('error get')).toHaveErrorRateBelow(0.5)
 */
export function scheduleFaults(
  faults: readonly ScheduledFault[],
  options: FaultScheduleOptions = {},
): FaultSchedule {
  return new FaultSchedule(faults, options)
}

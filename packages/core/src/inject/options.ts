// The shapes of an in-process fault and the checks on them, so a typo is an error naming the option.
import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import type { Timeline } from '../timeline.js'
import {
  type Callee,
  checkFunction,
  checkNumber,
  checkOneOf,
  checkRatio,
  checkSeed,
  optionalNumber,
} from '../validate.js'

/** Calls throw (reject with) `error`: an Error, or a function of the call's arguments that makes one. */
export interface ErrorFault<A extends unknown[]> {
  readonly kind: 'error'
  /** Default: an `InjectedFaultError` naming the fault. */
  readonly error?: Error | ((...args: A) => unknown)
}

/** Calls return `outcome(...args)` instead of calling through (e.g. a cached answer, a 503 response). */
export interface OutcomeFault<A extends unknown[], R> {
  readonly kind: 'outcome'
  readonly outcome: (...args: A) => R | Promise<R>
}

/** Calls wait `ms` (plus up to `jitter` ms, seeded) and then call through. */
export interface LatencyFault {
  readonly kind: 'latency'
  readonly ms: number
  /** Up to this many ms more, drawn per call from the fault's seed (default 0). */
  readonly jitter?: number
}

/**
 * A black hole: calls never settle until the call's signal aborts (they reject with its reason) or the
 * fault heals (then they call through, as if the dependency came back).
 */
export interface BlackHoleFault {
  readonly kind: 'blackHole'
}

/** What a fault does to the calls it hits. */
export type FaultBehaviour<A extends unknown[], R> =
  | ErrorFault<A>
  | OutcomeFault<A, R>
  | LatencyFault
  | BlackHoleFault

/** Which calls a fault hits, and how it is recorded. */
export interface FaultControl<A extends unknown[]> {
  /** A name for messages and the timeline (default: the kind and the wrapped function's name). */
  readonly name?: string
  /** The share of matching calls that are hit, 0-1 (default 1: every one). */
  readonly rate?: number
  /** Only calls for which this returns true can be hit (e.g. one tenant); the others always call through. */
  readonly when?: (...args: A) => boolean
  /** Start enabled (default true); `disable()` / `enable()` switch it later, `heal()` ends it. */
  readonly enabled?: boolean
  /** The seed of the rate decisions and the jitter (default: a fresh one, kept on `fault.seed`). */
  readonly seed?: number
  /** Records each window in which the fault is enabled (`report.during(name)` reads it). */
  readonly timeline?: Timeline | undefined
  /** Names what the fault is applied to on the timeline, e.g. `llm`. */
  readonly target?: string
  /**
   * The call's AbortSignal, which ends a black hole or a delay. Default: an AbortSignal among the arguments, or the
   * `signal` property of an object argument (`fetch(url, { signal })`, a load task's `{ signal }`).
   */
  readonly signal?: (...args: A) => AbortSignal | undefined
}

/** An in-process fault: what it does, and to which calls (`injectFault`, `injectMethod`). */
export type InjectOptions<A extends unknown[], R> = FaultBehaviour<A, R> & FaultControl<A>

const KINDS = ['error', 'outcome', 'latency', 'blackHole'] as const

/**
 * Throws a `FaultlineArgumentError` naming the first wrong option. `callee` trims the stack to the user's call.
 *
 * @example
 * checkInjectOptions({ kind: 'error', rate: 2 }) // throws "options.rate: expected a number from 0 to 1, got 2"
 */
export function checkInjectOptions(
  options: unknown,
  callee: Callee = checkInjectOptions,
): asserts options is InjectOptions<unknown[], unknown> {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      `expected an object with a kind (${KINDS.map((k) => `'${k}'`).join(', ')}), got ${describeValue(options)}`,
      callee,
    )
  }
  const o = options as Record<string, unknown>
  checkOneOf(o.kind, KINDS, 'options.kind', undefined, callee)
  if (o.rate !== undefined) checkRatio(o.rate, 'options.rate', callee)
  checkSeed(o.seed, 'options.seed', callee)
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') {
    throw new FaultlineArgumentError(
      'options.enabled',
      `expected a boolean, got ${describeValue(o.enabled)}`,
      callee,
    )
  }
  checkFunction(o.when, 'options.when', { optional: true }, callee)
  checkFunction(o.signal, 'options.signal', { optional: true }, callee)
  if (o.kind === 'latency') {
    checkNumber(o.ms, 'options.ms', { unit: 'ms', min: 0 }, callee)
    optionalNumber(o.jitter, 'options.jitter', { unit: 'ms', min: 0 }, undefined, callee)
  }
  // e.g. () => ({ status: 503 })
  if (o.kind === 'outcome') checkFunction(o.outcome, 'options.outcome', {}, callee)
  if (
    o.kind === 'error' &&
    o.error !== undefined &&
    !(o.error instanceof Error) &&
    typeof o.error !== 'function'
  ) {
    throw new FaultlineArgumentError(
      'options.error',
      `expected an Error or a function of the call arguments returning one, got ${describeValue(o.error)}`,
      callee,
    )
  }
}

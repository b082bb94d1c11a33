// The shapes of an in-process fault and the checks on them, so a typo is an error naming the option.
import { FaultlineArgumentError } from '../errors.js'
import type { Timeline } from '../timeline.js'

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

/** Calls wait `ms` (plus up to `jitterMs`, seeded) and then call through. */
export interface LatencyFault {
  readonly kind: 'latency'
  readonly ms: number
  readonly jitterMs?: number
}

/**
 * Calls never settle until the call's signal aborts (they reject with its reason) or the fault heals
 * (then they call through, as if the dependency came back).
 */
export interface HangFault {
  readonly kind: 'hang'
}

/** What a fault does to the calls it hits. */
export type FaultBehaviour<A extends unknown[], R> =
  | ErrorFault<A>
  | OutcomeFault<A, R>
  | LatencyFault
  | HangFault

/** Which calls a fault hits, and how it is recorded. */
export interface FaultControl<A extends unknown[]> {
  /** A name for messages and the timeline (default: the kind and the wrapped function's name). */
  readonly name?: string
  /** The share of matching calls that are hit, 0-1 (default 1: every one). */
  readonly rate?: number
  /** Only calls for which this returns true can be hit (e.g. one tenant); the others always call through. */
  readonly when?: (...args: A) => boolean
  /** Start enabled (default true); `enable()` / `heal()` switch it later. */
  readonly enabled?: boolean
  /** The seed of the rate decisions and the jitter (default: a fresh one, kept on `fault.seed`). */
  readonly seed?: number
  /** Records each window in which the fault is enabled. */
  readonly timeline?: Timeline
  /** Names what the fault is applied to on the timeline, e.g. `llm`. */
  readonly target?: string
  /**
   * The call's AbortSignal, which ends a hang or a delay. Default: an AbortSignal among the arguments, or the
   * `signal` property of an object argument (`fetch(url, { signal })`, a load task's `{ signal }`).
   */
  readonly signal?: (...args: A) => AbortSignal | undefined
}

/** A fault: what it does, and to which calls. */
export type FaultOptions<A extends unknown[], R> = FaultBehaviour<A, R> & FaultControl<A>

const KINDS = ['error', 'outcome', 'latency', 'hang'] as const

function checkDuration(value: unknown, argument: string, callee: (...args: never[]) => unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FaultlineArgumentError(argument, `must be a duration in ms >= 0, got ${String(value)}`, callee)
  }
}

function checkFunction(value: unknown, argument: string, callee: (...args: never[]) => unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new FaultlineArgumentError(argument, `must be a function, got ${typeof value}`, callee)
  }
}

/**
 * Throws a `FaultlineArgumentError` naming the first wrong option. `callee` trims the stack to the user's call.
 *
 * @example
 * checkFaultOptions({ kind: 'error', rate: 2 }) // throws "options.rate: must be a ratio between 0 and 1 …"
 */
export function checkFaultOptions(
  options: unknown,
  callee: (...args: never[]) => unknown = checkFaultOptions,
): asserts options is FaultOptions<unknown[], unknown> {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError('options', `must be an object with a kind (${KINDS.join(', ')})`, callee)
  }
  const o = options as Record<string, unknown>
  if (!KINDS.includes(o.kind as (typeof KINDS)[number])) {
    throw new FaultlineArgumentError(
      'options.kind',
      `unknown fault kind ${JSON.stringify(o.kind)}; use one of ${KINDS.join(', ')}`,
      callee,
    )
  }
  if (o.rate !== undefined) {
    const r = o.rate
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0 || r > 1) {
      throw new FaultlineArgumentError(
        'options.rate',
        `must be a ratio between 0 and 1 (0.2 hits one call in five), got ${String(r)}`,
        callee,
      )
    }
  }
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isInteger(o.seed))) {
    throw new FaultlineArgumentError('options.seed', `must be an integer, got ${String(o.seed)}`, callee)
  }
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') {
    throw new FaultlineArgumentError('options.enabled', `must be a boolean, got ${String(o.enabled)}`, callee)
  }
  checkFunction(o.when, 'options.when', callee)
  checkFunction(o.signal, 'options.signal', callee)
  if (o.kind === 'latency') {
    checkDuration(o.ms, 'options.ms', callee)
    if (o.jitterMs !== undefined) checkDuration(o.jitterMs, 'options.jitterMs', callee)
  }
  if (o.kind === 'outcome' && typeof o.outcome !== 'function') {
    throw new FaultlineArgumentError(
      'options.outcome',
      'must be a function returning the outcome, e.g. () => ({ status: 503 })',
      callee,
    )
  }
  if (
    o.kind === 'error' &&
    o.error !== undefined &&
    !(o.error instanceof Error) &&
    typeof o.error !== 'function'
  ) {
    throw new FaultlineArgumentError(
      'options.error',
      'must be an Error or a function of the call arguments returning one',
      callee,
    )
  }
}

import { FaultlineArgumentError } from '../errors.js'
import type { Timeline } from '../timeline.js'
import { type ArrivalRate, constantRate, profilePeak, rateDuration } from './arrivals.js'

/** Options every load run takes. Durations are in ms. */
export interface CommonLoadOptions {
  /** Start new calls for this long (ms). A run needs a `duration`, a `count`, or a finite rate profile. */
  readonly duration?: number
  /** Start at most this many calls (arrivals, in the open model, dropped ones included). */
  readonly count?: number
  /** Hard bound on the time spent starting calls, whatever else is set (default 60,000 ms). */
  readonly maxDuration?: number
  /** After the last start, how long to wait for calls in flight before recording them as `unfinished` (default 5,000 ms). */
  readonly gracefulStop?: number
  /**
   * A call slower than this fails with kind `timeout`, its latency the time it reached, and its signal
   * is aborted (default: none). A task that ignores the signal (pg, ioredis do) keeps its slot until it
   * really ends: `report.overran` counts such calls, `report.overrunMaxMs` says by how long.
   */
  readonly timeout?: number
  /** Aborting it stops the run: calls in flight are aborted and `load` rejects with the signal's reason. */
  readonly signal?: AbortSignal
  /** Seed of every random choice (task mix, Poisson arrivals); recorded in the report (default: random). */
  readonly seed?: number
  /** A name for the report and its summary. */
  readonly name?: string
  /** Width of one point of the report's time series (default 1,000 ms). */
  readonly interval?: number
  /** The faults applied during the run: the report keeps those overlapping it (`report.during(name)`). */
  readonly timeline?: Timeline
}

/**
 * Closed model: `concurrency` calls in flight (virtual users); each finished call starts the next. A
 * profile such as `rampUsers(0, 50, 10_000)` varies the users over time. Latency is measured from the
 * actual start, so a stalled system also slows the load down (use the open model to see stalls).
 */
export interface ClosedLoadOptions extends CommonLoadOptions {
  readonly concurrency: number | ArrivalRate
  readonly rate?: undefined
}

/**
 * Open model: calls arrive at `rate` (per second, or a profile such as `rampRate`) whatever the system
 * does; latency is measured from the intended start. An arrival that finds `maxInFlight` calls still
 * running waits for a slot, first in first out, its latency counting from when it was due; past
 * `maxQueued` waiting, or still waiting when the run ends, it is dropped: a failure of kind `dropped`.
 */
export interface OpenLoadOptions extends CommonLoadOptions {
  readonly rate: number | ArrivalRate
  /** Most calls in flight at once; later arrivals wait for a slot (default 1,000). */
  readonly maxInFlight?: number
  /** Most arrivals waiting for a slot; beyond, an arrival is dropped (default 10,000; 0 drops at once). */
  readonly maxQueued?: number
  readonly concurrency?: undefined
}

export type LoadOptions = ClosedLoadOptions | OpenLoadOptions

/** Options after checking, with defaults applied. */
export interface ResolvedLoadOptions {
  readonly model: 'closed' | 'open'
  /** Fixed users of the closed model (the peak, when `users` is a profile). */
  readonly concurrency: number
  /** Users over time, when the closed model was given a profile. */
  readonly users: ArrivalRate | undefined
  readonly rate: ArrivalRate
  readonly maxInFlight: number
  readonly maxQueued: number
  /** When to stop starting calls (ms from the start). */
  readonly startWindowMs: number
  readonly count: number
  readonly gracefulStop: number
  readonly timeout: number | undefined
  readonly signal: AbortSignal | undefined
  readonly seed: number | undefined
  readonly name: string | undefined
  readonly interval: number
  readonly timeline: Timeline | undefined
}

type Callee = (...args: never[]) => unknown

// Generous, so a stall shows as waiting (latency) rather than drops, and finite, so a system that never
// recovers cannot grow the queue without bound.
const DEFAULT_MAX_QUEUED = 10_000

const isPositive = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0
const isPositiveInteger = (n: unknown): n is number => isPositive(n) && Number.isInteger(n)

function ms(options: object, key: string, callee: Callee, allowZero = false): number | undefined {
  const value = (options as Record<string, unknown>)[key]
  if (value === undefined) return undefined
  const ok = allowZero ? typeof value === 'number' && Number.isFinite(value) && value >= 0 : isPositive(value)
  if (!ok) {
    const what = allowZero ? 'a number of ms >= 0' : 'a positive number of ms'
    throw new FaultlineArgumentError(`options.${key}`, `must be ${what}, got ${String(value)}`, callee)
  }
  return value as number
}

function integer(options: object, key: string, callee: Callee): number | undefined {
  const value = (options as Record<string, unknown>)[key]
  if (value === undefined) return undefined
  if (!isPositiveInteger(value)) {
    throw new FaultlineArgumentError(
      `options.${key}`,
      `must be a positive integer, got ${String(value)}`,
      callee,
    )
  }
  return value
}

function nonNegativeInteger(options: object, key: string, callee: Callee): number | undefined {
  const value = (options as Record<string, unknown>)[key]
  if (value === undefined) return undefined
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
    throw new FaultlineArgumentError(
      `options.${key}`,
      `must be an integer >= 0, got ${String(value)}`,
      callee,
    )
  }
  return value
}

function checkRateOption(rate: unknown, callee: Callee): ArrivalRate {
  if (typeof rate === 'number') {
    if (!Number.isFinite(rate) || rate < 0) {
      throw new FaultlineArgumentError(
        'options.rate',
        `must be a rate of arrivals per second >= 0, got ${String(rate)}`,
        callee,
      )
    }
    return constantRate(rate)
  }
  if (typeof rate !== 'object' || rate === null || !Array.isArray((rate as ArrivalRate).phases)) {
    throw new FaultlineArgumentError(
      'options.rate',
      'must be arrivals per second or a profile from constantRate, rampRate, stepRates, exponentialRate',
      callee,
    )
  }
  return rate as ArrivalRate
}

function checkUsers(users: unknown, callee: Callee): ArrivalRate {
  const phases = (users as ArrivalRate | null)?.phases
  if (!Array.isArray(phases)) {
    throw new FaultlineArgumentError(
      'options.concurrency',
      'must be a number of users or a profile such as rampUsers(0, 50, 10_000)',
      callee,
    )
  }
  if (profilePeak(users as ArrivalRate) < 1) {
    throw new FaultlineArgumentError('options.concurrency', 'the profile never reaches 1 user', callee)
  }
  return users as ArrivalRate
}

/** Checks `load`'s options, naming the wrong argument, and fills in defaults. */
export function resolveLoadOptions(options: LoadOptions, callee: Callee): ResolvedLoadOptions {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError('options', 'must be an object with concurrency or rate', callee)
  }
  const hasConcurrency = options.concurrency !== undefined
  const hasRate = options.rate !== undefined
  if (hasConcurrency === hasRate) {
    throw new FaultlineArgumentError(
      'options',
      hasRate
        ? 'give either concurrency (closed model) or rate (open model), not both'
        : 'give concurrency (closed model: N calls in flight) or rate (open model: arrivals per second)',
      callee,
    )
  }
  const users =
    hasConcurrency && typeof options.concurrency === 'object'
      ? checkUsers(options.concurrency, callee)
      : undefined
  const concurrency = users
    ? Math.ceil(profilePeak(users))
    : hasConcurrency
      ? integer(options, 'concurrency', callee)!
      : 0
  const rate = hasRate ? checkRateOption(options.rate, callee) : constantRate(0)
  const duration = ms(options, 'duration', callee)
  const count = integer(options, 'count', callee)
  const maxDuration = ms(options, 'maxDuration', callee) ?? 60_000
  const profile = hasRate ? rateDuration(rate) : users ? rateDuration(users) : Number.POSITIVE_INFINITY
  if (duration === undefined && count === undefined && !Number.isFinite(profile)) {
    throw new FaultlineArgumentError(
      'options.duration',
      'a run needs a bound: give options.duration (ms) or options.count (calls)',
      callee,
    )
  }
  const seed = (options as { seed?: unknown }).seed
  if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0)) {
    throw new FaultlineArgumentError('options.seed', `must be an integer >= 0, got ${String(seed)}`, callee)
  }
  const signal = options.signal
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new FaultlineArgumentError('options.signal', 'must be an AbortSignal', callee)
  }
  return {
    model: hasRate ? 'open' : 'closed',
    concurrency,
    users,
    rate,
    maxInFlight: hasRate ? (integer(options, 'maxInFlight', callee) ?? 1000) : concurrency,
    maxQueued: nonNegativeInteger(options, 'maxQueued', callee) ?? DEFAULT_MAX_QUEUED,
    startWindowMs: Math.min(duration ?? Number.POSITIVE_INFINITY, profile, maxDuration),
    count: count ?? Number.POSITIVE_INFINITY,
    gracefulStop: ms(options, 'gracefulStop', callee, true) ?? 5000,
    timeout: ms(options, 'timeout', callee),
    signal,
    seed,
    name: options.name,
    interval: ms(options, 'interval', callee) ?? 1000,
    timeline: options.timeline,
  }
}

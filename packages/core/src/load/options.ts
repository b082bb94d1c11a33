import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import type { Timeline } from '../timeline.js'
import { type Callee, checkNumber, checkSeed, type NumberRule, optionalNumber } from '../validate.js'
import { type ArrivalRate, constantRate, profilePeak, rateDuration } from './arrivals.js'
import type { LoadSource } from './report-init.js'

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
  /**
   * Aborting it ends the run early, as if its duration were over: no new call starts, the calls in
   * flight finish (within `gracefulStop`), and `load` resolves with the report of the run so far. For a
   * run that lasts until something happens (a fault healed, and a while after): `duration` bounds it.
   */
  readonly stop?: AbortSignal
  /** Seed of every random choice (task mix, Poisson arrivals); recorded in the report (default: random). */
  readonly seed?: number
  /**
   * Spread the run over this many worker threads, each driving its share (every n-th arrival of the open
   * model's schedule; concurrency / n calls in flight in the closed model), merged into one report. The
   * task must be named with `threadTask`; `maxInFlight`, `maxQueued` and `count` are split too.
   */
  readonly threads?: number
  /** A name for the report and its summary. */
  readonly name?: string
  /** Width of one point of the report's time series (default 1,000 ms). */
  readonly interval?: number
  /** The faults applied during the run: the report keeps those overlapping it (`report.during(name)`). */
  readonly timeline?: Timeline
  /** What one call is called in the report's messages (default `calls`; `@faultline/http` says `requests`). */
  readonly unit?: string
  /** What the run loads, for the report and its summary (e.g. a URL). */
  readonly target?: string
  /** Which engine made the calls (default `function`; `@faultline/http` runs it as `http`). */
  readonly source?: LoadSource
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
  readonly stop: AbortSignal | undefined
  readonly seed: number | undefined
  readonly name: string | undefined
  readonly interval: number
  readonly timeline: Timeline | undefined
  readonly unit: string
  readonly target: string | undefined
  readonly source: LoadSource
}

// Generous, so a stall shows as waiting (latency) rather than drops, and finite, so a system that never
// recovers cannot grow the queue without bound.
const DEFAULT_MAX_QUEUED = 10_000

const POSITIVE_MS: NumberRule = { unit: 'ms', above: 0 }
const POSITIVE_INTEGER: NumberRule = { integer: true, min: 1 }

/** `options[key]`, checked against `rule` when present. */
function option(options: object, key: string, rule: NumberRule, callee: Callee): number | undefined {
  return optionalNumber((options as Record<string, unknown>)[key], `options.${key}`, rule, undefined, callee)
}

function checkRateOption(rate: unknown, callee: Callee): ArrivalRate {
  if (typeof rate === 'number') {
    return constantRate(checkNumber(rate, 'options.rate', { unit: 'arrivals per second', min: 0 }, callee))
  }
  if (typeof rate !== 'object' || rate === null || !Array.isArray((rate as ArrivalRate).phases)) {
    throw new FaultlineArgumentError(
      'options.rate',
      `expected arrivals per second or a profile from constantRate, rampRate, stepRates, exponentialRate, got ${describeValue(rate)}`,
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
      `expected a number of users or a profile such as rampUsers(0, 50, 10_000), got ${describeValue(users)}`,
      callee,
    )
  }
  if (profilePeak(users as ArrivalRate) < 1) {
    throw new FaultlineArgumentError('options.concurrency', 'the profile never reaches 1 user', callee)
  }
  return users as ArrivalRate
}

function checkSignal(signal: unknown, name: string, callee: Callee): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal
  throw new FaultlineArgumentError(name, `expected an AbortSignal, got ${describeValue(signal)}`, callee)
}

/** Checks `load`'s options, naming the wrong argument, and fills in defaults. */
export function resolveLoadOptions(options: LoadOptions, callee: Callee): ResolvedLoadOptions {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      `expected an object with concurrency or rate, got ${describeValue(options)}`,
      callee,
    )
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
      ? checkNumber(options.concurrency, 'options.concurrency', POSITIVE_INTEGER, callee)
      : 0
  const rate = hasRate ? checkRateOption(options.rate, callee) : constantRate(0)
  const duration = option(options, 'duration', POSITIVE_MS, callee)
  const count = option(options, 'count', POSITIVE_INTEGER, callee)
  const maxDuration = option(options, 'maxDuration', POSITIVE_MS, callee) ?? 60_000
  const profile = hasRate ? rateDuration(rate) : users ? rateDuration(users) : Number.POSITIVE_INFINITY
  if (duration === undefined && count === undefined && !Number.isFinite(profile)) {
    throw new FaultlineArgumentError(
      'options.duration',
      'a run needs a bound: give options.duration (ms) or options.count (calls)',
      callee,
    )
  }
  const seed = checkSeed((options as { seed?: unknown }).seed, 'options.seed', callee)
  const signal = checkSignal(options.signal, 'options.signal', callee)
  const stop = checkSignal(options.stop, 'options.stop', callee)
  return {
    model: hasRate ? 'open' : 'closed',
    concurrency,
    users,
    rate,
    maxInFlight: hasRate ? (option(options, 'maxInFlight', POSITIVE_INTEGER, callee) ?? 1000) : concurrency,
    maxQueued: option(options, 'maxQueued', { integer: true, min: 0 }, callee) ?? DEFAULT_MAX_QUEUED,
    startWindowMs: Math.min(duration ?? Number.POSITIVE_INFINITY, profile, maxDuration),
    count: count ?? Number.POSITIVE_INFINITY,
    gracefulStop: option(options, 'gracefulStop', { unit: 'ms', min: 0 }, callee) ?? 5000,
    timeout: option(options, 'timeout', POSITIVE_MS, callee),
    signal,
    stop,
    seed,
    name: options.name,
    interval: option(options, 'interval', POSITIVE_MS, callee) ?? 1000,
    timeline: options.timeline,
    unit: options.unit ?? 'calls',
    target: options.target,
    source: options.source ?? 'function',
  }
}

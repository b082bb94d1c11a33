import {
  type ArrivalRate,
  checkFunction,
  checkNumber,
  checkSeed,
  FaultlineArgumentError,
  isErrorStatus,
  type LoadPart,
  type LoadReport,
  optionalNumber,
  randomSeed,
  rateDuration,
  runThreadedLoad,
  shareOf,
  type Timeline,
} from '@faultline/core'
import { type AutocannonOptions, closedHttpLoad } from './closed.js'
import { openHttpLoad } from './open.js'
import type { HttpMethod, ResolvedRun } from './run-options.js'
import { checkTarget } from './target.js'

/** Options of `httpLoad` in both models. Durations in ms, like the rest of Faultline. */
export interface CommonHttpLoadOptions {
  /** The target, on loopback or a container network unless `allowRemote` is set. */
  readonly url: string
  /** How long to send requests (ms). A run needs `duration` or `count` (or a finite rate profile). */
  readonly duration?: number
  /** Send this many requests (arrivals, in the open model, dropped ones included), then stop. */
  readonly count?: number
  readonly method?: HttpMethod
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Buffer
  /** A request without a full response after this long fails with kind `timeout` (default 10,000 ms). */
  readonly timeout?: number
  /** Which statuses count as errors (default: core's `isErrorStatus`, every status >= 400). */
  readonly isError?: (status: number) => boolean
  /** Stops the run; `httpLoad` then rejects with the signal's reason. */
  readonly signal?: AbortSignal
  /** Hard bound on the time spent sending, whatever else is set (default 60,000 ms). */
  readonly maxDuration?: number
  /** Load an address that is neither loopback nor a container network. Off by default, on purpose. */
  readonly allowRemote?: boolean
  readonly name?: string
  /** Width of one point of the report's time series (default 1,000 ms). */
  readonly interval?: number
  /** The faults applied during the run: the report keeps those overlapping it (`report.during(name)`). */
  readonly timeline?: Timeline
  /**
   * Spread the run over this many worker threads, merged into one report: each sends its share (every
   * n-th arrival of the open model's schedule; concurrency / n connections in the closed model), so a
   * machine's cores all send. `count`, `maxInFlight` and `maxQueued` are shared out; `isError` and raw
   * `autocannon` options do not cross threads.
   */
  readonly threads?: number
}

/**
 * Open model: requests arrive at `rate` per second whatever the target does, and each one's latency
 * counts from when it was due, so a stall shows in the percentiles. Runs on core's load engine with
 * undici.
 */
export interface OpenHttpLoadOptions extends CommonHttpLoadOptions {
  /** Arrivals per second, or a profile (`rampRate`, `stepRates`, `poissonArrivals` from `@faultline/core`). */
  readonly rate: number | ArrivalRate
  /**
   * Most requests in flight at once, each on its own keep-alive connection (default 100); later arrivals
   * wait for one, their latency still counting from when they were due.
   */
  readonly maxInFlight?: number
  /** Most arrivals waiting for a connection; beyond, an arrival is dropped (default 10,000; 0 drops at once). */
  readonly maxQueued?: number
  /** After the last arrival, how long to wait for requests in flight (default 5,000 ms). */
  readonly gracefulStop?: number
  /** Seed of Poisson arrivals; recorded in the report (default: random). */
  readonly seed?: number
  readonly concurrency?: undefined
}

/**
 * Closed model: `concurrency` connections, each sending its next request when the previous one is
 * answered, through autocannon: the maximum throughput. Latency counts from when each request was
 * sent, so a stall slows the load down instead of showing in the percentiles (coordinated omission).
 */
export interface ClosedHttpLoadOptions extends CommonHttpLoadOptions {
  /** Connections kept busy, each with one request in flight (or `pipelining`). */
  readonly concurrency: number
  /** Requests pipelined per connection (default 1). */
  readonly pipelining?: number
  /** Raw autocannon options, passed through last. */
  readonly autocannon?: AutocannonOptions
  readonly rate?: undefined
}

/** Options of `httpLoad`: `rate` for the open model, `concurrency` for the closed model. */
export type HttpLoadOptions = OpenHttpLoadOptions | ClosedHttpLoadOptions

const OPEN_ONLY = ['maxInFlight', 'maxQueued', 'gracefulStop', 'seed'] as const
const CLOSED_ONLY = ['pipelining', 'autocannon'] as const

const MS = { unit: 'ms', above: 0 } as const

function ms(value: unknown, argument: string): number | undefined
function ms(value: unknown, argument: string, fallback: number): number
function ms(value: unknown, argument: string, fallback?: number): number | undefined {
  return fallback === undefined
    ? optionalNumber(value, argument, MS, undefined, httpLoad)
    : optionalNumber(value, argument, MS, fallback, httpLoad)
}

const positiveInteger = (value: unknown, argument: string): number | undefined =>
  optionalNumber(value, argument, { integer: true, min: 1 }, undefined, httpLoad)

/**
 * HTTP load on a loopback or container address, reported as a Faultline `LoadReport` (any percentile,
 * errors by kind, a per-second series, the faults of `timeline`), in one of two models:
 *
 * - `rate` (open model): requests arrive at that many per second whatever the target does; latency is
 *   measured from when each request was due, and arrivals that find no connection wait or, past
 *   `maxQueued`, are dropped (kind `dropped`). This is the model that shows a stall.
 * - `concurrency` (closed model): that many connections kept busy through autocannon, the maximum
 *   throughput; latency from when each request was sent.
 *
 * Statuses >= 400 are errors (`HTTP 503`) unless `isError` says otherwise; a request still unanswered
 * after `timeout` fails with kind `timeout`.
 *
 * @example
 * // 200 requests a second for 10 s: a stall of the target shows in p99
 * const report = await httpLoad({ url: 'http://127.0.0.1:3000/orders', rate: 200, duration: 10_000 })
 * expect(report).toMeetSLO({ p99: 500, errorRate: 0.01 })
 *
 * @example
 * // as many requests as 50 connections can send for 10 s
 * const report = await httpLoad({ url: 'http://127.0.0.1:3000/health', concurrency: 50, duration: 10_000 })
 * expect(report).toHaveThroughputAtLeast(5_000)
 */
export function httpLoad(options: HttpLoadOptions): Promise<LoadReport> {
  return httpLoadPart(options)
}

/**
 * `httpLoad`, or one thread's part of it (`part`): what each thread of a run spread over threads runs.
 *
 * @example
 * const report = await httpLoadPart(partOptions, { index: 0, of: 2 })
 */
export async function httpLoadPart(options: HttpLoadOptions, part?: LoadPart): Promise<LoadReport> {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      'must be an object with url, and rate (open model) or concurrency (closed model)',
      httpLoad,
    )
  }
  const open = options.rate !== undefined
  if (open === (options.concurrency !== undefined)) {
    throw new FaultlineArgumentError(
      'options',
      open
        ? 'give either rate (open model: arrivals per second) or concurrency (closed model: connections kept busy), not both'
        : 'give rate (open model: arrivals per second, latency from the intended start) or concurrency (closed model: connections kept busy, maximum throughput)',
      httpLoad,
    )
  }
  const misplaced = (open ? CLOSED_ONLY : OPEN_ONLY).find(
    (key) => (options as unknown as Record<string, unknown>)[key] !== undefined,
  )
  if (misplaced !== undefined) {
    throw new FaultlineArgumentError(
      `options.${misplaced}`,
      open
        ? 'applies to the closed model only (concurrency); the open model (rate) runs on undici'
        : 'applies to the open model only (rate); the closed model (concurrency) has no arrival queue',
      httpLoad,
    )
  }
  checkFunction(options.isError, 'options.isError', { optional: true }, httpLoad)
  const base: Omit<ResolvedRun, 'url'> = {
    duration: ms(options.duration, 'options.duration'),
    count: positiveInteger(options.count, 'options.count'),
    timeout: ms(options.timeout, 'options.timeout', 10_000),
    maxDuration: ms(options.maxDuration, 'options.maxDuration', 60_000),
    isError: options.isError ?? isErrorStatus,
    signal: options.signal,
    name: options.name,
    interval: ms(options.interval, 'options.interval'),
    timeline: options.timeline,
    method: options.method,
    headers: options.headers,
    body: options.body,
  }

  if (options.rate !== undefined) {
    const rate = checkRate(options.rate)
    const profile = typeof rate === 'number' ? Number.POSITIVE_INFINITY : rateDuration(rate)
    checkBound(base, Number.isFinite(profile))
    const run = {
      ...base,
      rate,
      maxInFlight: positiveInteger(options.maxInFlight, 'options.maxInFlight') ?? 100,
      maxQueued: optionalNumber(
        options.maxQueued,
        'options.maxQueued',
        { integer: true, min: 0 },
        undefined,
        httpLoad,
      ),
      gracefulStop: optionalNumber(
        options.gracefulStop,
        'options.gracefulStop',
        { unit: 'ms', min: 0 },
        undefined,
        httpLoad,
      ),
      seed: checkSeed(options.seed, 'options.seed', httpLoad),
    }
    const url = await checkTarget(options.url, options.allowRemote === true)
    options.signal?.throwIfAborted()
    if (options.threads !== undefined && part === undefined) return onThreads(options, run.seed)
    return openHttpLoad({ ...run, url, part })
  }

  const concurrency = checkNumber(
    options.concurrency,
    'options.concurrency',
    { integer: true, min: 1 },
    httpLoad,
  )
  const pipelining = positiveInteger(options.pipelining, 'options.pipelining')
  const raw = options.autocannon ?? {}
  checkBound(base, raw.duration !== undefined || raw.amount !== undefined)
  const url = await checkTarget(options.url, options.allowRemote === true)
  options.signal?.throwIfAborted()
  if (options.threads !== undefined && part === undefined) return onThreads(options, undefined)
  return closedHttpLoad({ ...base, url, concurrency, pipelining, autocannon: raw })
}

/** What each thread of a threaded `httpLoad` is handed (see thread-part.ts). */
export interface HttpPart {
  readonly options: HttpLoadOptions
  readonly part: LoadPart
}

// Spreads a checked run over its threads: each part gets its shares and only data (see partOptions).
function onThreads(options: HttpLoadOptions, seed: number | undefined): Promise<LoadReport> {
  const threads = checkNumber(options.threads, 'options.threads', { integer: true, min: 1 }, httpLoad)
  if (options.isError !== undefined) {
    throw new FaultlineArgumentError(
      'options.isError',
      'a function does not cross to worker threads: leave isError out with threads (statuses >= 400 are errors)',
      httpLoad,
    )
  }
  if ((options as ClosedHttpLoadOptions).autocannon !== undefined) {
    throw new FaultlineArgumentError(
      'options.autocannon',
      "autocannon's own options are not shared out over threads: leave them out with threads",
      httpLoad,
    )
  }
  const { signal, timeline, threads: _threads, ...data } = options
  const open = options.rate !== undefined
  // One seed for every part of the open model: each thread draws the same arrival schedule.
  const runSeed = seed ?? randomSeed()
  const parts: HttpPart[] = Array.from({ length: threads }, (_, index) => {
    const part = { index, of: threads }
    const count = options.count === undefined ? {} : { count: share(options.count, part, 'a count of') }
    const shares = open
      ? {
          seed: runSeed,
          maxInFlight: Math.ceil((options.maxInFlight ?? 100) / threads),
          ...(options.maxQueued === undefined ? {} : { maxQueued: Math.ceil(options.maxQueued / threads) }),
        }
      : { concurrency: share(options.concurrency, part, 'a concurrency of') }
    return { options: { ...data, ...count, ...shares } as HttpLoadOptions, part }
  })
  return runThreadedLoad(new URL('./thread-part.js', import.meta.url), parts, {
    ...(signal ? { signal } : {}),
    ...(timeline ? { timeline } : {}),
  })
}

function share(total: number, part: LoadPart, what: string): number {
  if (total < part.of) {
    throw new FaultlineArgumentError(
      'options.threads',
      `${part.of} threads for ${what} ${total}: give at most ${total} threads`,
      httpLoad,
    )
  }
  return shareOf(total, part)
}

function checkRate(rate: unknown): number | ArrivalRate {
  if (typeof rate === 'object' && rate !== null && Array.isArray((rate as ArrivalRate).phases)) {
    return rate as ArrivalRate
  }
  if (typeof rate === 'number') return checkNumber(rate, 'options.rate', { above: 0 }, httpLoad)
  throw new FaultlineArgumentError(
    'options.rate',
    'expected arrivals per second, or a profile from constantRate, rampRate, stepRates, poissonArrivals',
    httpLoad,
  )
}

function checkBound(run: Omit<ResolvedRun, 'url'>, bounded: boolean): void {
  if (run.duration !== undefined || run.count !== undefined || bounded) return
  throw new FaultlineArgumentError(
    'options.duration',
    'a run needs a bound: give options.duration (ms) or options.count (requests)',
    httpLoad,
  )
}

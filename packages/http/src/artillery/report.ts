// Artillery's JSON report (`artillery run --output report.json`) as a Faultline LoadReport. Counters are
// exact in Artillery's JSON (they add up across periods and workers); percentiles are sketches (DDSketch,
// within 1 %). So the report is built from counters only: outcomes from `http.codes.*` and `errors.*`,
// latencies from the counters Faultline's processor writes (./script.ts). Without those, the calls
// count without a latency, and the latency lines of every matcher refuse to judge them.
import {
  describeValue,
  FaultlineArgumentError,
  isErrorStatus,
  LoadRecorder,
  type LoadReport,
  type Timeline,
} from '@faultline/core'
import { RESPONSE_TIME_COUNTER } from './script.js'

/** Artillery's period: it counts per 10 s of the wall clock. */
export const ARTILLERY_PERIOD_MS = 10_000

/** One period of Artillery's JSON report (or its aggregate): what this module reads of it. */
export interface ArtilleryPeriodJSON {
  /** Epoch ms of the period's start (a string in intermediate periods). */
  readonly period: number | string
  readonly counters: Readonly<Record<string, number>>
  readonly firstCounterAt?: number
  readonly lastCounterAt?: number
  /** Artillery's sketches: p50, p95, p99… of `http.response_time` and the others, within 1 %. */
  readonly summaries?: Readonly<Record<string, Readonly<Record<string, number>>>>
}

/** Artillery's JSON report, as `artillery run --output <file>` writes it. */
export interface ArtilleryReportJSON {
  readonly aggregate: ArtilleryPeriodJSON
  readonly intermediate: readonly ArtilleryPeriodJSON[]
}

/** How to read an Artillery report. */
export interface ArtilleryReportOptions {
  readonly name?: string
  /** What was loaded, for the report (e.g. the URL). */
  readonly target?: string
  /** The faults applied during the run (on the wall clock): the report keeps those overlapping it. */
  readonly timeline?: Timeline
  /** The requests' timeout (ms), for the report. */
  readonly timeout?: number
  /** Which statuses count as errors (default: core's `isErrorStatus`, every status >= 400). */
  readonly isError?: (status: number) => boolean
}

// Artillery's error codes are Node's; a request that timed out is Faultline's kind `timeout`.
const errorKind = (code: string): string =>
  code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' ? 'timeout' : code

function isArtilleryJSON(json: unknown): json is ArtilleryReportJSON {
  if (typeof json !== 'object' || json === null) return false
  const { aggregate, intermediate } = json as Record<string, unknown>
  return (
    typeof aggregate === 'object' &&
    aggregate !== null &&
    typeof (aggregate as Record<string, unknown>).counters === 'object' &&
    Array.isArray(intermediate)
  )
}

/** What the processor counted in one period: per status, per whole ms. */
function responseTimes(counters: Readonly<Record<string, number>>): Map<number, Map<number, number>> {
  const byStatus = new Map<number, Map<number, number>>()
  const prefix = `${RESPONSE_TIME_COUNTER}.`
  for (const [name, n] of Object.entries(counters)) {
    if (!name.startsWith(prefix)) continue
    const [status, ms] = name.slice(prefix.length).split('.').map(Number)
    if (!Number.isInteger(status) || !Number.isFinite(ms)) continue
    const times = byStatus.get(status!) ?? new Map<number, number>()
    byStatus.set(status!, times)
    times.set(ms!, (times.get(ms!) ?? 0) + n)
  }
  return byStatus
}

/**
 * Whether Artillery's report has Faultline's response-time counters (the script of `artilleryScript` /
 * `writeArtilleryScript` was run): then its percentiles are exact, not Artillery's sketches.
 *
 * @example
 * hasResponseTimes(JSON.parse(await readFile('report.json', 'utf8'))) // true
 */
export function hasResponseTimes(json: ArtilleryReportJSON): boolean {
  return Object.keys(json.aggregate.counters).some((name) => name.startsWith(`${RESPONSE_TIME_COUNTER}.`))
}

/**
 * Reads Artillery's JSON report (`artillery run --output report.json`, distributed runs included) into a
 * `LoadReport` that Faultline's matchers judge: outcomes per status (`HTTP 503`) and Artillery error code
 * (`ETIMEDOUT` is `timeout`), a series per Artillery period (10 s), and, when the run used Faultline's
 * script (`writeArtilleryScript`), every response time, so percentiles are exact.
 *
 * A report without those counters says so: its requests count in the error rate and throughput, but have
 * no latency, and a matcher's latency line refuses to judge them rather than trust Artillery's sketches.
 * A window shorter than Artillery's 10 s period is refused too (`report.window`, `report.during`).
 *
 * @example
 * const report = artilleryReport(JSON.parse(await readFile('report.json', 'utf8')), { name: 'checkout' })
 * expect(report).toMeetSLO({ p95: 300, errorRate: 0.01 })
 */
export function artilleryReport(json: unknown, options: ArtilleryReportOptions = {}): LoadReport {
  if (!isArtilleryJSON(json)) {
    throw new FaultlineArgumentError(
      'json',
      `expected Artillery's JSON report (artillery run --output report.json: { aggregate, intermediate }), got ${describeValue(json)}`,
      artilleryReport,
    )
  }
  const periods = [...json.intermediate].sort((a, b) => Number(a.period) - Number(b.period))
  if (periods.length === 0) {
    throw new FaultlineArgumentError(
      'json',
      'Artillery\'s report has no periods ("intermediate" is empty): the run sent nothing',
      artilleryReport,
    )
  }
  const isError = options.isError ?? isErrorStatus
  const startedAt = Number(periods[0]!.period)
  const recorder = new LoadRecorder({
    source: 'artillery',
    model: 'open',
    unit: 'requests',
    interval: ARTILLERY_PERIOD_MS,
    startedAt,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(options.timeline !== undefined ? { timeline: options.timeline } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
  })
  for (const period of periods) {
    const startMs = Number(period.period) - startedAt
    const times = responseTimes(period.counters)
    for (const [name, n] of Object.entries(period.counters)) {
      if (name.startsWith('http.codes.')) {
        const status = Number(name.slice('http.codes.'.length))
        const kind = isError(status) ? `HTTP ${status}` : undefined
        let unmeasured = n
        for (const [ms, count] of times.get(status) ?? []) {
          recorder.recordCalls(startMs, ms, count, kind)
          unmeasured -= count
        }
        if (unmeasured > 0) recorder.countCalls(startMs, unmeasured, kind)
      } else if (name.startsWith('errors.')) {
        recorder.countCalls(startMs, n, errorKind(name.slice('errors.'.length)))
      }
    }
  }
  const { firstCounterAt, lastCounterAt } = json.aggregate
  const last = Number(periods[periods.length - 1]!.period) + ARTILLERY_PERIOD_MS
  const end = Number.isFinite(lastCounterAt)
    ? Math.min(last, Math.max(lastCounterAt! + 1, startedAt + 1))
    : last
  const first = Number.isFinite(firstCounterAt)
    ? Math.min(Math.max(firstCounterAt!, startedAt), end - 1)
    : startedAt
  // The load ran from Artillery's first counter to its last: the periods before and after are not load.
  return recorder.finish(end - startedAt, { activeMs: end - startedAt, loadStartMs: first - startedAt })
}

import {
  describeValue,
  FaultlineArgumentError,
  formatCount,
  formatRate,
  formatRatio,
  formatSeconds,
  type LoadReport,
} from '@faultline/core'
import type { MatcherState } from 'vitest'
import { attachChart } from '../report/attach.js'
import type { ChartLimits } from '../report/chart.js'
import { type LineSamples, maxFloor, meanFloor, requireFloors, throughputWindowFloorMs } from './floors.js'
import { checkErrorRate, checkMs, checkRate, checkSampleCount } from './limits.js'
import {
  formatArgs,
  formatLatency,
  formatSamples,
  meets,
  message,
  type VerdictResult,
  versus,
} from './message.js'
import { arrivalMax, arrivalMean, arrivalPercentile, countedLines, errorKinds } from './outcomes.js'
import { asReport, errorRateSamples, latencySamples, percentileSamples } from './report-input.js'
import { requireThroughputWindow } from './to-have-throughput-at-least.js'

/**
 * A service level objective: budgets a run must stay within. Latencies in ms and `errorRate` in [0, 1)
 * are met at or below their budget, `throughput` (calls per second) at or above it. Dropped arrivals are
 * errors and lie above every latency budget.
 */
export interface SloLimits {
  readonly p50?: number
  readonly p90?: number
  readonly p95?: number
  readonly p99?: number
  readonly p999?: number
  readonly mean?: number
  readonly max?: number
  readonly errorRate?: number
  readonly throughput?: number
  /** Judge every line with this many samples at least, instead of the line's own floor. */
  readonly minSamples?: number
}

/** One line of the SLO: its verdict, its text, and the samples it needs. */
interface SloLine {
  readonly met: boolean
  readonly text: string
  readonly samples?: LineSamples
}

const LATENCIES = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 } as const
const KEYS = new Set([...Object.keys(LATENCIES), 'mean', 'max', 'errorRate', 'throughput', 'minSamples'])

function latencyLine(name: string, measured: number, budget: number, line: LineSamples): SloLine {
  return {
    met: meets(measured, budget, 'ceiling'),
    text: `${name} ${versus(measured, budget, 'ceiling', formatLatency)} (${formatCount(line.have)} samples, floor ${formatCount(line.floor.needed)})`,
    samples: line,
  }
}

function lines(report: LoadReport, slo: SloLimits): SloLine[] {
  const out: SloLine[] = []
  const min = slo.minSamples
  for (const [key, percentile] of Object.entries(LATENCIES)) {
    const budget = slo[key as keyof typeof LATENCIES]
    if (budget === undefined) continue
    const name = key === 'p999' ? 'p99.9' : key
    const line = percentileSamples(report, name, percentile, min)
    out.push(latencyLine(name, arrivalPercentile(report, percentile), budget, line))
  }
  if (slo.mean !== undefined) {
    const line = latencySamples(report, 'mean', meanFloor(), min)
    out.push(latencyLine('mean', arrivalMean(report), slo.mean, line))
  }
  if (slo.max !== undefined) {
    const line = latencySamples(report, 'max', maxFloor(), min)
    out.push(latencyLine('max', arrivalMax(report), slo.max, line))
  }
  if (slo.errorRate !== undefined) {
    const line = errorRateSamples(report, slo.errorRate, min)
    out.push({
      met: meets(report.errorRate, slo.errorRate, 'ceiling'),
      text: `error rate ${versus(report.errorRate, slo.errorRate, 'ceiling', formatRatio)} (${formatCount(report.errors)} errors in ${formatCount(report.count)}, floor ${formatCount(line.floor.needed)})`,
      samples: line,
    })
  }
  if (slo.throughput !== undefined) {
    const span = formatSeconds(report.activeMs)
    const floor = formatSeconds(throughputWindowFloorMs(slo.throughput))
    out.push({
      met: meets(report.throughput, slo.throughput, 'floor'),
      text: `throughput ${versus(report.throughput, slo.throughput, 'floor', formatRate)} (${formatCount(report.completed)} completed in ${span} s, floor ${floor} s)`,
    })
  }
  return out
}

/** The SLO's lines as chart limits: every latency budget, the error rate and the throughput. */
function chartLimits(slo: SloLimits): ChartLimits {
  const latency: { name: string; ms: number }[] = []
  for (const key of [...Object.keys(LATENCIES), 'mean', 'max'] as const) {
    const ms = slo[key as keyof typeof LATENCIES | 'mean' | 'max']
    if (ms !== undefined) latency.push({ name: key === 'p999' ? 'p99.9' : key, ms })
  }
  return { latency, errorRate: slo.errorRate, throughput: slo.throughput }
}

function checkSlo(slo: unknown): SloLimits {
  if (typeof slo !== 'object' || slo === null) {
    throw new FaultlineArgumentError(
      'slo',
      `expected an object such as { p95: 500, errorRate: 0.01 }, got ${describeValue(slo)}`,
    )
  }
  const entries = Object.entries(slo)
  for (const [key, value] of entries) {
    if (!KEYS.has(key)) {
      throw new FaultlineArgumentError(`slo.${key}`, `expected an SLO line, one of ${[...KEYS].join(', ')}`)
    }
    if (key === 'errorRate') checkErrorRate(value, 'slo.errorRate')
    else if (key === 'throughput') checkRate(value, 'slo.throughput')
    else if (key === 'minSamples') checkSampleCount(value, 'slo.minSamples')
    else checkMs(value, `slo.${key}`)
  }
  if (entries.every(([key]) => key === 'minSamples')) {
    throw new FaultlineArgumentError('slo', 'expected at least one line, e.g. { p95: 500, errorRate: 0.01 }')
  }
  return slo as SloLimits
}

/**
 * Passes when the run meets every line of an SLO; on failure, lists every line with the breached ones
 * marked, all at once. Each line is judged on its own samples (latency lines on the latencies and drops,
 * the error rate on every arrival, throughput on its active window) and refuses to judge below its floor.
 *
 * @example
 * expect(report).toMeetSLO({ p95: 500, p99: 1_000, errorRate: 0.01, throughput: 100 })
 * expect(report.tag('login')).toMeetSLO({ p99: 300 })
 */
export function toMeetSLO(this: MatcherState, received: unknown, slo: SloLimits): VerdictResult {
  const report = asReport(received, 'toMeetSLO')
  checkSlo(slo)
  const all = lines(report, slo)
  requireFloors(
    report,
    all.flatMap((l) => (l.samples ? [l.samples] : [])),
  )
  if (slo.throughput !== undefined) requireThroughputWindow(report, slo.throughput, 'the throughput line')
  const breached = all.filter((l) => !l.met)
  const pass = breached.length === 0
  const listed = all.map((l) => `  ${l.met ? '✓' : '✗'} ${l.text}`)
  const kinds = errorKinds(report)
  const over = formatSamples(report, report.count)
  const chart = attachChart(
    this,
    { report, limits: chartLimits(slo) },
    {
      assertion: `expect(report)${this.isNot ? '.not' : ''}.toMeetSLO(${formatArgs(slo)})`,
      held: pass !== Boolean(this.isNot),
      finding: `${breached.length} of ${all.length} SLO lines breached`,
    },
  )
  const head = pass
    ? `all ${all.length} SLO lines met over ${over}, expected at least one breached:`
    : `${breached.length} of ${all.length} SLO lines breached over ${over}:`
  return {
    pass,
    message: () =>
      message({
        matcher: 'toMeetSLO',
        args: formatArgs(slo),
        isNot: this.isNot,
        lines: [
          head,
          ...listed,
          ...countedLines(report, 'counted as errors, and above every latency budget'),
        ],
        hints: !pass && kinds !== '' ? [`errors by kind: ${kinds}`] : [],
        chart,
      }),
  }
}

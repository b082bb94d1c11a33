import {
  FaultlineArgumentError,
  formatCount,
  formatMs,
  formatRate,
  formatRatio,
  type LoadReport,
  minSamplesFor,
} from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checkMs, checkRate, checkRatio } from './limits.js'
import { args, message, relation, samples } from './message.js'
import { requireSamples, toReport } from './report-input.js'
import { errorKinds } from './to-have-error-rate-below.js'

/**
 * A service level objective: budgets a run must stay within. Latencies in ms (met when measured <= budget),
 * `errorRate` in [0, 1] (met when <=), `throughput` in calls per second (met when >=).
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
  /** Judge with this many samples at least, instead of what the strictest line needs. */
  readonly minSamples?: number
}

interface SloLine {
  readonly met: boolean
  readonly text: string
}

const LATENCIES = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 } as const
const KEYS = new Set([...Object.keys(LATENCIES), 'mean', 'max', 'errorRate', 'throughput', 'minSamples'])

function latencyLine(name: string, measured: number, budget: number): SloLine {
  const met = measured <= budget
  return { met, text: `${name} ${formatMs(measured)} ${relation(measured, budget)} ${formatMs(budget)}` }
}

function lines(report: LoadReport, slo: SloLimits): SloLine[] {
  const out: SloLine[] = []
  for (const [key, percentile] of Object.entries(LATENCIES)) {
    const budget = slo[key as keyof typeof LATENCIES]
    if (budget !== undefined)
      out.push(latencyLine(key === 'p999' ? 'p99.9' : key, report.percentile(percentile), budget))
  }
  if (slo.mean !== undefined) out.push(latencyLine('mean', report.mean, slo.mean))
  if (slo.max !== undefined) out.push(latencyLine('max', report.max, slo.max))
  if (slo.errorRate !== undefined) {
    const measured = report.errorRate
    out.push({
      met: measured <= slo.errorRate,
      text: `error rate ${formatRatio(measured)} ${relation(measured, slo.errorRate)} ${formatRatio(slo.errorRate)} (${formatCount(report.errors)} errors)`,
    })
  }
  if (slo.throughput !== undefined) {
    const measured = report.throughput
    out.push({
      met: measured >= slo.throughput,
      text: `throughput ${formatRate(measured)} ${relation(measured, slo.throughput)} ${formatRate(slo.throughput)}`,
    })
  }
  return out
}

function checkSlo(slo: unknown): SloLimits {
  if (typeof slo !== 'object' || slo === null) {
    throw new FaultlineArgumentError('slo', 'must be an object such as { p95: 500, errorRate: 0.01 }')
  }
  const entries = Object.entries(slo)
  for (const [key, value] of entries) {
    if (!KEYS.has(key)) {
      throw new FaultlineArgumentError(`slo.${key}`, `is not an SLO line; use ${[...KEYS].join(', ')}`)
    }
    if (key === 'errorRate') checkRatio(value, 'slo.errorRate')
    else if (key === 'throughput') checkRate(value, 'slo.throughput')
    else if (key === 'minSamples') checkRate(value, 'slo.minSamples')
    else checkMs(value, `slo.${key}`)
  }
  if (entries.every(([key]) => key === 'minSamples')) {
    throw new FaultlineArgumentError('slo', 'give at least one line, e.g. { p95: 500, errorRate: 0.01 }')
  }
  return slo as SloLimits
}

/** The samples the strictest line needs: p99 needs 100, an error rate of 1 % needs 100, ... */
function needed(slo: SloLimits): { count: number; line: string; latencies: boolean } {
  let best = { count: 1, line: 'any line', latencies: false }
  for (const [key, percentile] of Object.entries(LATENCIES)) {
    if (slo[key as keyof typeof LATENCIES] !== undefined && minSamplesFor(percentile) > best.count) {
      best = { count: minSamplesFor(percentile), line: key === 'p999' ? 'p99.9' : key, latencies: true }
    }
  }
  if (slo.errorRate !== undefined && slo.errorRate > 0) {
    const count = Math.ceil(1 / slo.errorRate - 1e-9)
    if (count > best.count) best = { count, line: `an error rate of ${slo.errorRate}`, latencies: false }
  }
  return best
}

/**
 * Passes when the run meets every line of an SLO; on failure, lists every line with the breached ones
 * marked, all at once. Refuses to judge a report with fewer samples than its strictest line needs.
 *
 * @example
 * expect(report).toMeetSLO({ p95: 500, p99: 1_000, errorRate: 0.01, throughput: 100 })
 * expect(report.tag('login')).toMeetSLO({ p99: 300 })
 */
export function toMeetSLO(this: MatcherState, received: unknown, slo: SloLimits): SyncMatcherResult {
  const report = toReport(received, 'toMeetSLO')
  checkSlo(slo)
  const need = needed(slo)
  const have = need.latencies ? report.latency.count : report.count
  requireSamples(report, slo.minSamples ?? need.count, need.line, 'the strictest line of the SLO', have)
  const all = lines(report, slo)
  const breached = all.filter((l) => !l.met)
  const pass = breached.length === 0
  const listed = all.map((l) => `  ${l.met ? '✓' : '✗'} ${l.text}`)
  const kinds = errorKinds(report)
  const head = pass
    ? `all ${all.length} SLO lines met over ${samples(report)}, expected at least one breached:`
    : `${breached.length} of ${all.length} SLO lines breached over ${samples(report)}:`
  return {
    pass,
    message: () =>
      message({
        matcher: 'toMeetSLO',
        args: args(slo),
        isNot: this.isNot,
        lines: [head, ...listed],
        ...(!pass && kinds !== '' ? { hints: [`errors by kind: ${kinds}`] } : {}),
      }),
  }
}

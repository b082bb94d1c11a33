// What a load report says about every arrival, as the verdicts count it. The report already counts a
// dropped arrival as an error (count, errors, errorRate) and throughput over completed calls; here drops
// also lie above every latency budget, and the lines every load verdict adds say what was counted.
import { formatCount, formatMs, type LoadReport } from '@faultline/core'

/**
 * The latency (ms) at `percentile` over every arrival, drops counted above every budget: the latency
 * percentile at rank p x (latencies + dropped) / latencies, and Infinity when that rank is beyond 100 %.
 *
 * @example
 * // 220 calls served, 180 dropped: p95 over the 400 arrivals is unbounded
 * arrivalPercentile(report, 95) // Infinity
 */
export function arrivalPercentile(report: LoadReport, percentile: number): number {
  const dropped = report.dropped
  if (dropped === 0) return report.percentile(percentile)
  const latencies = report.latency.count
  if (latencies === 0) return Number.POSITIVE_INFINITY
  const rank = (percentile * (latencies + dropped)) / latencies
  return rank > 100 ? Number.POSITIVE_INFINITY : report.percentile(rank)
}

/** The mean latency over every arrival: unbounded when an arrival was dropped (it was never served). */
export function arrivalMean(report: LoadReport): number {
  return report.dropped > 0 ? Number.POSITIVE_INFINITY : report.mean
}

/** The largest latency over every arrival: unbounded when an arrival was dropped. */
export function arrivalMax(report: LoadReport): number {
  return report.dropped > 0 ? Number.POSITIVE_INFINITY : report.max
}

/**
 * The lines every load verdict adds when nonzero: drops (and how they were counted), overruns.
 *
 * @example
 * countedLines(report, 'counted above the budget')
 * // ['180 of 400 arrivals dropped (counted above the budget)']
 */
export function countedLines(report: LoadReport, howDropsCount: string): string[] {
  const lines: string[] = []
  if (report.dropped > 0) {
    lines.push(
      `${formatCount(report.dropped)} of ${formatCount(report.count)} arrivals dropped (${howDropsCount})`,
    )
  }
  const overran = report.overran
  if (overran > 0) {
    const timeout = report.timeoutMs === undefined ? 'timeout' : `${formatMs(report.timeoutMs)} timeout`
    const calls = overran === 1 ? 'call' : 'calls'
    lines.push(
      `${formatCount(overran)} ${calls} overran ${overran === 1 ? 'its' : 'their'} ${timeout} by up to ${formatMs(report.overrunMaxMs)} (the task ignored its abort signal and kept its slot)`,
    )
  }
  return lines
}

/**
 * The kinds of a report's errors, most frequent first, drops included (kind `dropped`).
 *
 * @example
 * errorKinds(report) // 'ECONNRESET 20, HTTP 503 10, dropped 3'
 */
export function errorKinds(report: LoadReport): string {
  return Object.entries(report.errorsByKind)
    .map(([kind, n]) => `${kind} ${formatCount(n)}`)
    .join(', ')
}

// What a load report says about every arrival, as the verdicts count it: a dropped arrival is an error
// (it was never served) and lies above every latency budget; throughput counts completed calls only.
import { formatCount, formatMs, type LoadReport } from '@faultline/core'

/** The counts a verdict rests on. */
export interface Outcomes {
  /** Every call or arrival judged: ok + errors, drops included. */
  readonly arrivals: number
  /** Failed calls, drops included. */
  readonly errors: number
  /** Arrivals that could not start (open model), or were still waiting when the run ended. */
  readonly dropped: number
  /** Calls that started and ended: arrivals - dropped. */
  readonly completed: number
  /** Calls with a latency (in the histogram); failures before any response have none. */
  readonly latencies: number
  /** errors / arrivals, in [0, 1]. */
  readonly errorRate: number
  /** Completed calls per second over the active window. */
  readonly throughput: number
  /** Calls that ran past their timeout (their task ignored the signal). */
  readonly overran: number
  /** The longest time a call ran past its timeout, ms. */
  readonly overrunMaxMs: number
}

/** The getters a report has once drops count as errors; optional so a report from an older core reads too. */
interface ArrivalCounts {
  readonly completed?: number
  readonly activeMs?: number
  readonly overran?: number
  readonly overrunMaxMs?: number
  readonly timeoutMs?: number
}

/**
 * The outcomes of every arrival of a report.
 *
 * @example
 * const { arrivals, dropped, errorRate } = outcomes(report)
 */
export function outcomes(report: LoadReport): Outcomes {
  const extra = report as LoadReport & ArrivalCounts
  const overran = extra.overran ?? 0
  const overrunMaxMs = extra.overrunMaxMs ?? 0
  const dropped = report.dropped
  if (typeof extra.completed === 'number') {
    return {
      arrivals: report.count,
      errors: report.errors,
      dropped,
      completed: extra.completed,
      latencies: report.latency.count,
      errorRate: report.errorRate,
      throughput: report.throughput,
      overran,
      overrunMaxMs,
    }
  }
  // A report whose count leaves drops out (built by an older @faultline/core): add them back.
  const arrivals = report.count + dropped
  const errors = report.errors + dropped
  return {
    arrivals,
    errors,
    dropped,
    completed: report.count,
    latencies: report.latency.count,
    errorRate: arrivals === 0 ? 0 : errors / arrivals,
    throughput: report.throughput,
    overran,
    overrunMaxMs,
  }
}

/** The time (ms) throughput is computed over: the run's active window, the drain after it left out. */
export function throughputSpanMs(report: LoadReport): number {
  const active = (report as LoadReport & ArrivalCounts).activeMs
  return typeof active === 'number' ? active : report.durationMs
}

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
  const o = outcomes(report)
  const lines: string[] = []
  if (o.dropped > 0) {
    lines.push(`${formatCount(o.dropped)} of ${formatCount(o.arrivals)} arrivals dropped (${howDropsCount})`)
  }
  if (o.overran > 0) {
    const timeoutMs = (report as LoadReport & ArrivalCounts).timeoutMs
    const timeout = timeoutMs === undefined ? 'timeout' : `${formatMs(timeoutMs)} timeout`
    const calls = o.overran === 1 ? 'call' : 'calls'
    lines.push(
      `${formatCount(o.overran)} ${calls} overran ${o.overran === 1 ? 'its' : 'their'} ${timeout} by up to ${formatMs(o.overrunMaxMs)} (the task ignored its abort signal and kept its slot)`,
    )
  }
  return lines
}

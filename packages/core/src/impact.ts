import type { LoadReport } from './load/report.js'
import { findFault } from './load/report-window.js'
import type { TimelineEntry } from './timeline.js'

/** What one fault did to a load run, read from the report's per-interval series. */
export interface FaultImpact {
  /** The fault, as on the timeline. */
  fault: TimelineEntry
  /**
   * From the fault's start to the start of the first interval with an error: calls are counted in the
   * interval they started in, so this is when the first call that failed *started*, not when it failed (a
   * call that hung 1 s before failing reads 0). Pair it with the calls' timeout, or a health check, for
   * when callers were told; null if no call failed.
   */
  detectionMs: number | null
  /**
   * From the heal to the start of the first interval after which no interval has an error: how long callers
   * kept failing once the service was back; 0 if none did, null if errors never stopped (or no heal).
   */
  recoveryMs: number | null
  /** Calls and errors in the intervals overlapping the fault. */
  calls: number
  errors: number
  /** The series' resolution (the report's interval, ms): detection and recovery are within one interval. */
  resolutionMs: number
}

/**
 * Detection and recovery times of a fault in a load run, from the report's series. Set the load's
 * `interval` small (e.g. 100 ms) for a fine resolution.
 *
 * @example
 * const impact = faultImpact(report, 'cache stopped')
 * expect(impact.recoveryMs).toBeLessThanOrEqual(1_000)
 */
export function faultImpact(report: LoadReport, fault: string | TimelineEntry): FaultImpact {
  const entry = findFault(report.faults, fault, faultImpact)
  const start = entry.startedAt - report.startedAt
  const heal = entry.healedAt === undefined ? undefined : entry.healedAt - report.startedAt
  const series = report.series
  const during = series.filter((p) => p.endMs > start && p.startMs < (heal ?? Number.POSITIVE_INFINITY))
  const firstError = series.find((p) => p.endMs > start && p.errors > 0)
  const lastError = [...series].reverse().find((p) => p.errors > 0)
  let recoveryMs: number | null = null
  if (heal !== undefined) {
    if (!lastError || lastError.endMs <= heal) recoveryMs = 0
    else if (lastError !== series[series.length - 1]) recoveryMs = lastError.endMs - heal
  }
  return {
    fault: entry,
    detectionMs: firstError ? Math.max(0, firstError.startMs - start) : null,
    recoveryMs,
    calls: during.reduce((n, p) => n + p.count, 0),
    errors: during.reduce((n, p) => n + p.errors, 0),
    resolutionMs: report.intervalMs,
  }
}

// The per-interval time series of a load report: one point per interval, for charts, windows and
// `faultImpact`'s detection and recovery times.
import { StatsCell } from './cell.js'

/** One interval of the time series: the calls whose (intended) start fell in [startMs, endMs). */
export interface LoadSeriesPoint {
  /** Offset from the start of the run (ms). */
  readonly startMs: number
  readonly endMs: number
  /** Calls (arrivals) due in this interval: ok + errors, drops included. */
  readonly count: number
  readonly ok: number
  /** Failures, drops included. */
  readonly errors: number
  /** Arrivals that never started (a subset of `errors`). */
  readonly dropped: number
  /** Completed calls (count - dropped) per second of load in this interval. */
  readonly throughput: number
  /** Latencies (ms) of this interval; null when no call completed in it. */
  readonly mean: number | null
  readonly p50: number | null
  readonly p95: number | null
  readonly p99: number | null
  readonly max: number | null
}

/** A finite number, or null (JSON has no NaN): what an empty histogram's statistics become. */
export const orNull = (n: number): number | null => (Number.isFinite(n) ? n : null)

/**
 * The series of a run from its per-interval cells: at least one point per interval of `durationMs`, each
 * rated over the part of it the load covered (up to `activeMs`).
 *
 * @example
 * const series = seriesOf(track.intervals, 10_000, 10_000, 1_000) // 10 points
 */
export function seriesOf(
  cells: readonly (StatsCell | undefined)[],
  durationMs: number,
  activeMs: number,
  intervalMs: number,
): LoadSeriesPoint[] {
  const length = Math.max(cells.length, Math.ceil(durationMs / intervalMs))
  const points: LoadSeriesPoint[] = []
  for (let i = 0; i < length; i++) {
    const cell = cells[i] ?? new StatsCell()
    const startMs = i * intervalMs
    const endMs = startMs + intervalMs
    const count = cell.ok + cell.errors
    // The last loaded interval may be shorter than the others: rate it over the part the load covered.
    const span = activeMs > startMs ? Math.min(endMs, activeMs) - startMs : intervalMs
    points.push({
      startMs,
      endMs,
      count,
      ok: cell.ok,
      errors: cell.errors,
      dropped: cell.dropped,
      throughput: (count - cell.dropped) / (span / 1000),
      mean: orNull(cell.latency.mean),
      p50: orNull(cell.latency.percentile(50)),
      p95: orNull(cell.latency.percentile(95)),
      p99: orNull(cell.latency.percentile(99)),
      max: orNull(cell.latency.max),
    })
  }
  return points
}

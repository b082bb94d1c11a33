// One interval's statistics as JSON and back, so that a report rebuilt from JSON keeps the per-interval
// histograms its windows, its series and a merge with other reports are made of.
import { LatencyHistogram, type LatencyHistogramJSON } from '../stats/histogram.js'
import { StatsCell } from './cell.js'

/** One interval of a report's series with its histogram: what `report.window()` and merging add up. */
export interface IntervalJSON {
  readonly ok: number
  readonly errors: number
  readonly dropped: number
  readonly overran: number
  readonly overrunMaxMs: number
  readonly errorsByKind: Readonly<Record<string, number>>
  readonly histogram: LatencyHistogramJSON
}

/**
 * A cell as JSON.
 *
 * @example
 * JSON.stringify(cellToJSON(cell))
 */
export function cellToJSON(cell: StatsCell): IntervalJSON {
  return {
    ok: cell.ok,
    errors: cell.errors,
    dropped: cell.dropped,
    overran: cell.overran,
    overrunMaxMs: cell.overrunMaxMs,
    errorsByKind: Object.fromEntries(cell.errorsByKind),
    histogram: cell.latency.toJSON(),
  }
}

/**
 * A cell rebuilt from its JSON (the histogram keeps the precision it was written with).
 *
 * @example
 * const cell = cellFromJSON(json.intervals[0])
 */
export function cellFromJSON(
  json: Omit<IntervalJSON, 'overran' | 'overrunMaxMs'> & Partial<IntervalJSON>,
): StatsCell {
  const cell = new StatsCell(LatencyHistogram.fromJSON(json.histogram))
  cell.ok = json.ok
  cell.errors = json.errors
  cell.dropped = json.dropped
  cell.overran = json.overran ?? 0
  cell.overrunMaxMs = json.overrunMaxMs ?? 0
  for (const [kind, n] of Object.entries(json.errorsByKind)) cell.errorsByKind.set(kind, n)
  return cell
}

/**
 * The cells of a report's window as JSON, indexed from the start of the run: null outside the window
 * and where no call was due.
 *
 * @example
 * intervalsToJSON(intervals, 0, 10) // 10 entries
 */
export function intervalsToJSON(
  intervals: readonly (StatsCell | undefined)[],
  lo: number,
  hi: number,
): (IntervalJSON | null)[] {
  const out: (IntervalJSON | null)[] = []
  const end = Math.min(hi, intervals.length)
  for (let i = 0; i < end; i++) {
    const cell = i >= lo ? intervals[i] : undefined
    out.push(cell ? cellToJSON(cell) : null)
  }
  return out
}

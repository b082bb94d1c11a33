// Cutting a report to a time window (`report.window`, `report.during`): whole intervals of the run, with
// the faults and monitor samples that fall in it.
import { FaultlineArgumentError, FaultlineError } from '../errors.js'
import { formatSeconds } from '../stats/format.js'
import type { TimelineEntry } from '../timeline.js'
import { type Callee, checkNumber } from '../validate.js'
import { StatsCell } from './cell.js'
import type { LoadReportInit } from './report-init.js'

/**
 * The fault `fault` names (or is) among a report's faults, or an error listing the faults there are.
 *
 * @example
 * const entry = findFault(report.faults, 'redis paused', faultImpact)
 */
export function findFault(
  faults: readonly TimelineEntry[],
  fault: string | TimelineEntry,
  callee: Callee,
): TimelineEntry {
  const entry = typeof fault === 'string' ? faults.find((f) => f.name === fault) : fault
  if (entry) return entry
  const known =
    faults.length === 0 ? 'the report has no faults' : `faults are ${faults.map((f) => f.name).join(', ')}`
  throw new FaultlineArgumentError('fault', `no fault named "${String(fault)}"; ${known}`, callee)
}

/**
 * The window of a fault on a report, ms from the start of the run: from its start (or the run's) to its
 * heal (or the end of the report when it never healed), at least 1 ms long.
 *
 * @example
 * const [from, to] = faultWindow(entry, report.startedAt, report.windowStartMs + report.durationMs)
 */
export function faultWindow(entry: TimelineEntry, startedAt: number, endMs: number): [number, number] {
  const from = Math.max(0, entry.startedAt - startedAt)
  const to = (entry.healedAt ?? startedAt + endMs) - startedAt
  return [from, Math.max(to, from + 1)]
}

/**
 * What the report `init` describes, restricted to the calls due between `fromMs` and `toMs` after the
 * start of the run, widened to whole intervals. Tags are windowed alike.
 *
 * @example
 * new LoadReport(windowInit(init, 10_000, 20_000, report.window))
 */
export function windowInit(
  init: LoadReportInit,
  fromMs: number,
  toMs: number,
  callee: Callee,
): LoadReportInit {
  // Both in ms from the start of the run.
  checkNumber(fromMs, 'fromMs', { unit: 'ms', min: 0 }, callee)
  checkNumber(toMs, 'toMs', { unit: 'ms', above: fromMs }, callee)
  // Artillery counts per period (10 s): a narrower window would be judged on samples outside it.
  if (init.source === 'artillery' && toMs - fromMs < init.intervalMs) {
    throw new FaultlineArgumentError(
      'toMs',
      `window ${formatSeconds(fromMs)}-${formatSeconds(toMs)} s is shorter than one of Artillery's ${formatSeconds(init.intervalMs)} s periods, and Artillery counts per period: it would be judged on calls outside it. Judge a window of at least ${formatSeconds(init.intervalMs)} s (a longer fault, or the whole run)`,
      callee,
    )
  }
  const intervals = init.intervals
  if (!intervals) {
    throw new FaultlineError(
      'NO_INTERVALS',
      'this report has no per-interval histograms (it was rebuilt from JSON written by an older @faultline/core); save it again with this version',
    )
  }
  const { intervalMs, startedAt } = init
  const windowStartMs = init.windowStartMs ?? 0
  const end = windowStartMs + init.durationMs
  const lo = Math.max(Math.floor(fromMs / intervalMs), Math.floor(windowStartMs / intervalMs))
  const hi = Math.min(Math.ceil(toMs / intervalMs), Math.ceil(end / intervalMs))
  if (lo >= hi) {
    throw new FaultlineArgumentError(
      'fromMs',
      `window ${formatSeconds(fromMs)}-${formatSeconds(toMs)} s is outside the report (${formatSeconds(windowStartMs)}-${formatSeconds(end)} s)`,
      callee,
    )
  }
  // Interval cells keep 2 significant digits; `add` merges each bucket at its highest value, so the
  // window's percentiles are never below the exact ones.
  const totals = new StatsCell()
  for (let i = lo; i < hi; i++) {
    const cell = intervals[i]
    if (cell) totals.add(cell)
  }
  const startMs = lo * intervalMs
  const endMs = Math.min(hi * intervalMs, end)
  const tags = new Map([...(init.tags ?? [])].map(([tag, report]) => [tag, report.window(fromMs, toMs)]))
  return {
    ...init,
    // The scheduling lag is one histogram of the whole run: it cannot be cut to a window, so a window has none.
    schedulingLag: undefined,
    durationMs: endMs - startMs,
    windowStartMs: startMs,
    totals,
    series: init.series.filter((p) => p.startMs >= startMs && p.startMs < endMs),
    tags,
    faults: init.faults?.filter(
      (f) =>
        f.startedAt <= startedAt + endMs && (f.healedAt ?? Number.POSITIVE_INFINITY) >= startedAt + startMs,
    ),
    monitors: init.monitors?.map((m) => ({
      ...m,
      samples: m.samples.filter((x) => x.atMs >= startMs && x.atMs < endMs),
    })),
  }
}

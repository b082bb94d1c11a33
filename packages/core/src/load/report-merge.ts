// Merging load reports (`LoadReport.merge`): shards of a suite, processes or machines judged as one run.
// Totals add exactly (HdrHistograms of one precision add bucket for bucket); the series needs each run's
// intervals to fall on one grid, so that every interval's histogram lands whole in one merged interval.
import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import type { MonitorSeries } from '../monitor/monitor.js'
import { formatMs } from '../stats/format.js'
import { LatencyHistogram } from '../stats/histogram.js'
import type { TimelineEntry } from '../timeline.js'
import { type Callee, checkOneOf } from '../validate.js'
import { StatsCell } from './cell.js'
import type { LoadReport } from './report.js'
import type { LoadReportInit } from './report-init.js'
import { seriesCells } from './report-json.js'
import { seriesOf } from './series.js'

/**
 * Where `LoadReport.merge` lays each run on the merged time line. `clock`: where it ran, by its
 * `startedAt` (runs of one machine, or of machines with one clock). `start`: from its own start, over
 * the others (shards that ran side by side, each on a machine of its own).
 */
export type MergeAlign = 'clock' | 'start'

/** Options of `LoadReport.merge`. */
export interface MergeOptions {
  /** How the runs are laid on one time line (default `clock`). */
  readonly align?: MergeAlign
}

// Epoch ms from `now()` carry sub-µs noise: a start within a microsecond of the grid is on it (latencies
// are kept in whole microseconds too).
const GRID_TOLERANCE_MS = 0.001

/** One report to merge, placed on the merged grid. */
interface Part {
  readonly init: LoadReportInit
  /** Where the run starts on the merged grid, in the run's own intervals. */
  readonly step: number
  /** The merged interval over the run's own (a whole number). */
  readonly ratio: number
  /** How far the run's own times move on the merged time line (ms). */
  readonly shiftMs: number
  /** Where its timeline's epoch ms move (ms): 0 on the wall clock. */
  readonly epochShiftMs: number
}

/** How the merge opens a report (its init) and builds one (a tag's merged report); from `LoadReport`. */
export interface ReportAccess {
  readonly initOf: (report: LoadReport) => LoadReportInit
  readonly build: (init: LoadReportInit) => LoadReport
}

/** The merged report's time line, ms from its start. */
interface Frame {
  readonly startedAt: number
  readonly intervalMs: number
  readonly windowStartMs: number
  readonly endMs: number
  readonly activeEndMs: number
}

/**
 * What one report of every sample of `inits` is built from (see `LoadReport.merge`); `access` opens the
 * tags' reports and builds their merged ones.
 *
 * @example
 * new LoadReport(mergeInits(reports.map((r) => r.#init()), { align: 'start' }, access, LoadReport.merge))
 */
export function mergeInits(
  inits: readonly LoadReportInit[],
  options: MergeOptions,
  access: ReportAccess,
  callee: Callee,
): LoadReportInit {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      `expected an object such as { align: 'start' }, got ${describeValue(options)}`,
      callee,
    )
  }
  const align = checkOneOf(options.align, ['clock', 'start'], 'options.align', 'clock', callee)
  checkAlike(inits, callee)
  const startedAt = Math.min(...inits.map((init) => init.startedAt))
  const intervalMs = Math.max(...inits.map((init) => init.intervalMs))
  const widest = inits.findIndex((init) => init.intervalMs === intervalMs)
  const earliest = inits.findIndex((init) => init.startedAt === startedAt)
  const parts = inits.map((init, i): Part => {
    const ratio = Math.round(intervalMs / init.intervalMs)
    if (Math.abs(ratio * init.intervalMs - intervalMs) > GRID_TOLERANCE_MS) {
      throw new FaultlineArgumentError(
        `reports[${i}]`,
        `its ${formatMs(init.intervalMs)} intervals do not divide the ${formatMs(intervalMs)} intervals of reports[${widest}], so its series cannot be re-bucketed exactly; record every run with one interval (the load's interval option)`,
        callee,
      )
    }
    const offsetMs = align === 'clock' ? init.startedAt - startedAt : 0
    const step = Math.round(offsetMs / init.intervalMs)
    if (Math.abs(step * init.intervalMs - offsetMs) > GRID_TOLERANCE_MS) {
      throw new FaultlineArgumentError(
        `reports[${i}]`,
        `it started ${formatMs(offsetMs)} after reports[${earliest}], off the ${formatMs(init.intervalMs)} grid of its intervals, so its series cannot be laid on the others' exactly. Pass { align: 'start' } to lay the runs over one another from their starts (shards that ran side by side), or start every run on one grid (LoadRecorder's startedAt)`,
        callee,
      )
    }
    return {
      init,
      step,
      ratio,
      shiftMs: step * init.intervalMs,
      epochShiftMs: align === 'clock' ? 0 : startedAt - init.startedAt,
    }
  })
  const frame: Frame = {
    startedAt,
    intervalMs,
    windowStartMs: Math.min(...parts.map((p) => p.shiftMs + (p.init.windowStartMs ?? 0))),
    endMs: Math.max(...parts.map((p) => p.shiftMs + windowEnd(p.init))),
    activeEndMs: Math.max(
      ...parts.map((p) => p.shiftMs + Math.min(p.init.activeEndMs ?? windowEnd(p.init), windowEnd(p.init))),
    ),
  }
  return mergeLevel(parts, frame, access, callee)
}

const windowEnd = (init: LoadReportInit): number => (init.windowStartMs ?? 0) + init.durationMs

// Runs of different models, sources or units measure different things: adding them up would judge
// neither. Reports from JSON of before the per-interval histograms cannot be laid on a series.
function checkAlike(inits: readonly LoadReportInit[], callee: Callee): void {
  const first = inits[0]
  if (!first) return
  inits.forEach((init, i) => {
    for (const field of ['model', 'source', 'unit'] as const) {
      if (init[field] !== first[field]) {
        throw new FaultlineArgumentError(
          `reports[${i}]`,
          `expected the ${field} of reports[0] (${describeValue(first[field])}), got ${describeValue(init[field])}; merge only runs that measured the same thing`,
          callee,
        )
      }
    }
    if (!init.intervals) {
      throw new FaultlineArgumentError(
        `reports[${i}]`,
        'it has no per-interval histograms (its JSON was written by an older @faultline/core), so its series cannot be merged; save the report again with this version',
        callee,
      )
    }
  })
}

function mergeLevel(
  parts: readonly Part[],
  frame: Frame,
  access: ReportAccess,
  callee: Callee,
): LoadReportInit {
  const inits = parts.map((p) => p.init)
  const totals = new StatsCell()
  const cells: StatsCell[] = []
  for (const part of parts) {
    totals.add(part.init.totals)
    const intervals = part.init.intervals ?? []
    const [lo, hi] = seriesCells(part.init)
    for (let i = lo; i < Math.min(hi, intervals.length); i++) {
      const cell = intervals[i]
      if (!cell) continue
      const k = Math.floor((part.step + i) / part.ratio)
      cells[k] ??= new StatsCell(new LatencyHistogram({ significantDigits: 2 }))
      cells[k].add(cell)
    }
  }
  const lags = inits.flatMap((init) => (init.schedulingLag ? [init.schedulingLag] : []))
  let schedulingLag: LatencyHistogram | undefined
  if (lags.length > 0) {
    schedulingLag = new LatencyHistogram()
    for (const lag of lags) schedulingLag.add(lag)
  }
  const seeds = [
    ...new Set(inits.flatMap((init) => init.seeds ?? (init.seed === undefined ? [] : [init.seed]))),
  ]
  const seed = inits.every((init) => init.seed !== undefined) && seeds.length === 1 ? seeds[0] : undefined
  return {
    name: common(inits.map((init) => init.name)),
    source: parts[0]!.init.source,
    model: parts[0]!.init.model,
    unit: parts[0]!.init.unit,
    seed,
    seeds,
    runs: inits.reduce((n, init) => n + (init.runs ?? 1), 0),
    target: common(inits.map((init) => init.target)),
    tag: common(inits.map((init) => init.tag)),
    timeoutMs: common(inits.map((init) => init.timeoutMs)),
    startedAt: frame.startedAt,
    windowStartMs: frame.windowStartMs,
    durationMs: frame.endMs - frame.windowStartMs,
    activeEndMs: frame.activeEndMs,
    intervalMs: frame.intervalMs,
    totals,
    intervals: cells,
    // Every interval from the start of the merged run to its end, then only those of its window.
    series: seriesOf(cells, frame.endMs, frame.activeEndMs, frame.intervalMs).filter(
      (p) => p.endMs > frame.windowStartMs,
    ),
    schedulingLag,
    faults: unite(parts),
    monitors: mergeMonitors(parts, callee),
    tags: mergeTags(parts, frame, access, callee),
  }
}

/** The value every report has, or undefined when they differ. */
function common<T>(values: readonly T[]): T | undefined {
  const [first] = values
  return values.every((v) => v === first) ? first : undefined
}

// The faults of every run on the merged time line, each once (shards that shared a timeline list the
// same entries), in order of start.
function unite(parts: readonly Part[]): TimelineEntry[] {
  const seen = new Map<string, TimelineEntry>()
  for (const part of parts) {
    for (const fault of part.init.faults ?? []) {
      const shift = part.epochShiftMs
      const entry: TimelineEntry =
        shift === 0
          ? fault
          : {
              ...fault,
              startedAt: fault.startedAt + shift,
              ...(fault.healedAt === undefined ? {} : { healedAt: fault.healedAt + shift }),
            }
      const key = JSON.stringify([entry.name, entry.target, entry.startedAt, entry.healedAt, entry.details])
      if (!seen.has(key)) seen.set(key, entry)
    }
  }
  return [...seen.values()].sort((a, b) => a.startedAt - b.startedAt)
}

// A monitor of one name in several runs becomes one series of all their samples on the merged time line.
function mergeMonitors(parts: readonly Part[], callee: Callee): MonitorSeries[] {
  const byName = new Map<string, { series: MonitorSeries; samples: MonitorSeries['samples'][number][] }>()
  parts.forEach((part, i) => {
    for (const monitor of part.init.monitors ?? []) {
      const samples = monitor.samples.map((s) => ({ atMs: s.atMs + part.shiftMs, value: s.value }))
      const known = byName.get(monitor.name)
      if (!known) {
        byName.set(monitor.name, { series: monitor, samples })
        continue
      }
      if (known.series.unit !== monitor.unit) {
        throw new FaultlineArgumentError(
          `reports[${i}]`,
          `its monitor "${monitor.name}" counts ${describeValue(monitor.unit)}, another report's ${describeValue(known.series.unit)}; name the monitors apart (startMonitor's name)`,
          callee,
        )
      }
      known.samples.push(...samples)
      known.series = {
        ...known.series,
        intervalMs: Math.min(known.series.intervalMs, monitor.intervalMs),
        failures: known.series.failures + monitor.failures,
      }
    }
  })
  return [...byName.values()].map(({ series, samples }) => ({
    name: series.name,
    unit: series.unit,
    intervalMs: series.intervalMs,
    failures: series.failures,
    samples: samples.sort((a, b) => a.atMs - b.atMs),
  }))
}

// Each tag merged over the runs that had it, on the parents' time line.
function mergeTags(
  parts: readonly Part[],
  frame: Frame,
  access: ReportAccess,
  callee: Callee,
): Map<string, LoadReport> {
  const names = [...new Set(parts.flatMap((p) => [...(p.init.tags?.keys() ?? [])]))]
  const tags = new Map<string, LoadReport>()
  for (const name of names) {
    const tagged = parts.flatMap((part) => {
      const report = part.init.tags?.get(name)
      return report ? [{ ...part, init: access.initOf(report) }] : []
    })
    tags.set(name, access.build(mergeLevel(tagged, frame, access, callee)))
  }
  return tags
}

// A load report as JSON and back: readable numbers first, then the histograms that rebuild it.
import { type FaultImpact, faultImpact } from '../impact.js'
import type { MonitorSeries } from '../monitor/monitor.js'
import { LatencyHistogram, type LatencyHistogramJSON } from '../stats/histogram.js'
import type { TimelineEntry } from '../timeline.js'
import type { StatsCell } from './cell.js'
import { cellFromJSON, type IntervalJSON, intervalsToJSON } from './cell-json.js'
import type { LoadReport } from './report.js'
import type { LoadModel, LoadReportInit, LoadSource } from './report-init.js'
import { type LoadSeriesPoint, orNull } from './series.js'

/** The latency summary in a report's JSON (ms); null when nothing completed. */
export interface LatencySummaryJSON {
  readonly min: number | null
  readonly mean: number | null
  readonly sd: number | null
  readonly p50: number | null
  readonly p90: number | null
  readonly p95: number | null
  readonly p99: number | null
  readonly p999: number | null
  readonly max: number | null
}

/** A load report as JSON: readable numbers first, then the histograms to rebuild it with `LoadReport.fromJSON`. */
export interface LoadReportJSON {
  readonly version: 1
  readonly name?: string
  readonly source: LoadSource
  readonly model: LoadModel
  readonly unit: string
  readonly seed?: number
  readonly target?: string
  readonly tag?: string
  readonly startedAt: number
  readonly durationMs: number
  readonly windowStartMs: number
  /** Where the run stopped loading the system, ms from its start (absent in older JSON: the end). */
  readonly activeEndMs?: number
  readonly activeMs?: number
  readonly intervalMs: number
  readonly timeoutMs?: number
  readonly count: number
  readonly ok: number
  readonly errors: number
  readonly dropped: number
  readonly completed?: number
  readonly overran?: number
  readonly overrunMaxMs?: number
  readonly errorRate: number
  readonly throughput: number
  readonly latency: LatencySummaryJSON
  readonly errorsByKind: Readonly<Record<string, number>>
  readonly schedulingLag?: LatencySummaryJSON
  readonly series: readonly LoadSeriesPoint[]
  readonly faults: readonly TimelineEntry[]
  /**
   * What each fault of `faults` did to the run (`faultImpact`): detection and recovery times, calls and
   * errors during it. Derived from the series, for readers of the JSON; `fromJSON` computes it again.
   */
  readonly faultImpact?: readonly FaultImpact[]
  /** Monitors attached with `withMonitors`, their samples' `atMs` from the start of the run. */
  readonly monitors?: readonly MonitorSeries[]
  readonly tags: Readonly<Record<string, LoadReportJSON>>
  /** How many load runs the report holds: present when it merged several (`LoadReport.merge`). */
  readonly runs?: number
  /** The seeds of the runs a merged report holds, each once. */
  readonly seeds?: readonly number[]
  readonly histogram: LatencyHistogramJSON
  readonly schedulingLagHistogram?: LatencyHistogramJSON
  /**
   * The per-interval histograms of the series, indexed from the start of the run (null: outside the
   * report's window, or no call due), so that a report rebuilt from JSON can be windowed and merged.
   * Absent in JSON written before they were kept.
   */
  readonly intervals?: readonly (IntervalJSON | null)[]
}

/**
 * The latency summary of a histogram, as the JSON carries it.
 *
 * @example
 * summarizeLatency(report.latency).p99 // ms, or null when nothing completed
 */
export function summarizeLatency(h: LatencyHistogram): LatencySummaryJSON {
  return {
    min: orNull(h.min),
    mean: orNull(h.mean),
    sd: orNull(h.sd),
    p50: orNull(h.percentile(50)),
    p90: orNull(h.percentile(90)),
    p95: orNull(h.percentile(95)),
    p99: orNull(h.percentile(99)),
    p999: orNull(h.percentile(99.9)),
    max: orNull(h.max),
  }
}

// The JSON object leaves an absent field out rather than holding `undefined`, so `report.toJSON()` is
// exactly what `JSON.parse(JSON.stringify(report))` gives back (and `'seed' in json` means a seed).
function present<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>
}

/**
 * A report as JSON. `activeEndMs` and `lag` are what the report keeps to itself.
 *
 * @example
 * JSON.stringify(report) // calls report.toJSON(), which calls this
 */
export function reportToJSON(
  report: LoadReport,
  hidden: {
    readonly activeEndMs: number
    readonly lag: LatencyHistogram | undefined
    readonly intervals: readonly (StatsCell | undefined)[] | undefined
  },
): LoadReportJSON {
  const { lag, intervals } = hidden
  const merged = report.runs > 1
  return {
    version: 1,
    ...present({
      name: report.name,
      seed: report.seed,
      target: report.target,
      tag: report.tagName,
      timeoutMs: report.timeoutMs,
    }),
    source: report.source,
    model: report.model,
    unit: report.unit,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    windowStartMs: report.windowStartMs,
    activeEndMs: hidden.activeEndMs,
    activeMs: report.activeMs,
    intervalMs: report.intervalMs,
    count: report.count,
    ok: report.ok,
    errors: report.errors,
    dropped: report.dropped,
    completed: report.completed,
    overran: report.overran,
    overrunMaxMs: report.overrunMaxMs,
    errorRate: report.errorRate,
    throughput: report.throughput,
    latency: summarizeLatency(report.latency),
    errorsByKind: report.errorsByKind,
    ...present({ schedulingLag: lag && summarizeLatency(lag) }),
    series: report.series,
    faults: report.faults,
    faultImpact: report.faults.map((fault) => faultImpact(report, fault)),
    ...present({ monitors: report.monitors.length === 0 ? undefined : report.monitors }),
    tags: Object.fromEntries(report.tags.map((tag) => [tag, report.tag(tag).toJSON()])),
    ...present({ runs: merged ? report.runs : undefined, seeds: merged ? report.seeds : undefined }),
    histogram: report.latency.toJSON(),
    ...present({
      schedulingLagHistogram: lag?.toJSON(),
      intervals: intervals && intervalsToJSON(intervals, ...seriesCells(report)),
    }),
  }
}

/**
 * The range of interval indexes `[lo, hi)` a report's series covers: its window's cells.
 *
 * @example
 * const [lo, hi] = seriesCells(report) // [0, 10] for a 10 s run at 1 s intervals
 */
export function seriesCells(report: {
  readonly series: readonly LoadSeriesPoint[]
  readonly intervalMs: number
}): [number, number] {
  const first = report.series[0]
  const last = report.series[report.series.length - 1]
  if (!first || !last) return [0, 0]
  return [Math.round(first.startMs / report.intervalMs), Math.round(last.endMs / report.intervalMs)]
}

/**
 * What a report's JSON describes, to build the report again; `fromJSON` rebuilds the tags' reports.
 *
 * @example
 * new LoadReport(reportInitFromJSON(json, LoadReport.fromJSON))
 */
export function reportInitFromJSON(
  json: LoadReportJSON,
  fromJSON: (json: LoadReportJSON) => LoadReport,
): LoadReportInit {
  const totals = cellFromJSON(json)
  return {
    name: json.name,
    seed: json.seed,
    target: json.target,
    tag: json.tag,
    timeoutMs: json.timeoutMs,
    activeEndMs: json.activeEndMs,
    source: json.source,
    model: json.model,
    unit: json.unit,
    startedAt: json.startedAt,
    durationMs: json.durationMs,
    windowStartMs: json.windowStartMs ?? 0,
    intervalMs: json.intervalMs,
    faults: json.faults ?? [],
    monitors: json.monitors ?? [],
    totals,
    series: json.series,
    tags: new Map(Object.entries(json.tags).map(([tag, t]) => [tag, fromJSON(t)])),
    schedulingLag: json.schedulingLagHistogram && LatencyHistogram.fromJSON(json.schedulingLagHistogram),
    intervals: json.intervals?.map((cell) => (cell === null ? undefined : cellFromJSON(cell))),
    runs: json.runs,
    seeds: json.seeds,
  }
}

// What a load report is built from: the engines and `LoadRecorder` make one, and windowing and JSON
// turn one report's into another's.
import type { MonitorSeries } from '../monitor/monitor.js'
import type { LatencyHistogram } from '../stats/histogram.js'
import type { TimelineEntry } from '../timeline.js'
import type { StatsCell } from './cell.js'
import type { LoadReport } from './report.js'
import type { LoadSeriesPoint } from './series.js'

/**
 * Where the load came from: the function engine of `@faultline/core`, HTTP through `@faultline/http`, or
 * an Artillery run read by `@faultline/http` (its series are Artillery's 10 s periods).
 */
export type LoadSource = 'function' | 'http' | 'artillery'
/** Closed: a fixed number of calls in flight. Open: calls arrive at a rate, whatever the system does. */
export type LoadModel = 'closed' | 'open'

/** Everything a report is built from; produced by the load engines and by `LoadRecorder`. */
export interface LoadReportInit {
  readonly name?: string | undefined
  readonly source: LoadSource
  readonly model: LoadModel
  /** What one sample is called in messages: `calls`, `requests`. */
  readonly unit: string
  readonly seed?: number | undefined
  readonly target?: string | undefined
  readonly tag?: string | undefined
  /** Epoch ms of the start of the run. */
  readonly startedAt: number
  readonly durationMs: number
  /**
   * When the run stopped loading the system, ms from its start (default: the end of the report): the
   * throughput is measured up to here, without the drain after the last start.
   */
  readonly activeEndMs?: number | undefined
  readonly intervalMs: number
  /** The calls' timeout (ms), if they had one. */
  readonly timeoutMs?: number | undefined
  readonly totals: StatsCell
  readonly series: readonly LoadSeriesPoint[]
  readonly tags?: ReadonlyMap<string, LoadReport> | undefined
  readonly schedulingLag?: LatencyHistogram | undefined
  /** Where this report's window starts in the run (ms; 0 for the whole run). */
  readonly windowStartMs?: number | undefined
  /** The per-interval cells, indexed from the start of the run, so the report can be windowed. */
  readonly intervals?: readonly (StatsCell | undefined)[] | undefined
  /** Faults of the run's timeline that overlap it (epoch ms). */
  readonly faults?: readonly TimelineEntry[] | undefined
  /** Monitored quantities, samples timed from the start of the run. */
  readonly monitors?: readonly MonitorSeries[] | undefined
  /** How many load runs the report holds (default 1; more when merged). */
  readonly runs?: number | undefined
  /** The seeds of those runs, each once (default: `[seed]`, or none). */
  readonly seeds?: readonly number[] | undefined
}

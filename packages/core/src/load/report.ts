import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import type { Monitor, MonitorSeries } from '../monitor/monitor.js'
import type { LatencyHistogram } from '../stats/histogram.js'
import type { Timeline, TimelineEntry } from '../timeline.js'
import type { Callee } from '../validate.js'
import type { StatsCell } from './cell.js'
import type { LoadModel, LoadReportInit, LoadSource } from './report-init.js'
import { type LoadReportJSON, reportInitFromJSON, reportToJSON } from './report-json.js'
import { type MergeOptions, mergeInits } from './report-merge.js'
import { faultWindow, findFault, windowInit } from './report-window.js'
import type { LoadSeriesPoint } from './series.js'
import { formatSummary } from './summary.js'

const brand = Symbol.for('faultline.load-report')

/**
 * What a load run measured, for function and HTTP load alike: a latency histogram (any percentile),
 * outcome counts, errors by kind, dropped arrivals, per-tag reports, a per-interval series and JSON.
 *
 * Latency is from the intended start in the open model (so stalls cannot hide) and from the actual start
 * in the closed model. `count` is every call or arrival judged (ok + errors); an arrival that never
 * started is a failure of kind `dropped`, in `errors` and `errorRate`, without a latency.
 *
 * @example
 * const report = await load(() => fetch(url), { concurrency: 10, duration: 5_000 })
 * report.p95                      // ms
 * report.percentile(99.9)         // ms
 * report.tag('login').errorRate   // 0..1
 * console.log(report.summary())
 * JSON.stringify(report)          // LoadReportJSON
 */
export class LoadReport {
  readonly [brand] = true
  readonly name: string | undefined
  readonly source: LoadSource
  readonly model: LoadModel
  readonly unit: string
  /**
   * The seed of every random choice in the run (task mix, Poisson arrivals); replay with `seed`. A merged
   * report has one only when every run it holds had that same seed (`seeds` lists them all).
   */
  readonly seed: number | undefined
  /** The seeds of the runs this report holds, each once: `[seed]` for one run, every one when merged. */
  readonly seeds: readonly number[]
  /** How many load runs this report holds: 1, or how many reports `LoadReport.merge` added up. */
  readonly runs: number
  readonly target: string | undefined
  /** The tag this report is restricted to, for `report.tag(name)`. */
  readonly tagName: string | undefined
  /** Epoch ms of the start of the run. */
  readonly startedAt: number
  /** Length of this report's window (the whole run unless windowed), ms. */
  readonly durationMs: number
  /** Where this report's window starts, ms from the start of the run (0 unless windowed). */
  readonly windowStartMs: number
  readonly intervalMs: number
  /** The calls' timeout (ms), if they had one. */
  readonly timeoutMs: number | undefined
  /** Per-interval series (for charts): one point per `intervalMs`, `startMs` from the start of the run. */
  readonly series: readonly LoadSeriesPoint[]
  /** Faults on the run's timeline (`options.timeline`) that overlap this report, epoch ms. */
  readonly faults: readonly TimelineEntry[]
  /** Monitors attached with `withMonitors`, samples timed from the start of the run, within this window. */
  readonly monitors: readonly MonitorSeries[]
  readonly #totals: StatsCell
  readonly #tags: ReadonlyMap<string, LoadReport>
  readonly #lag: LatencyHistogram | undefined
  readonly #intervals: readonly (StatsCell | undefined)[] | undefined
  readonly #activeEndMs: number

  constructor(init: LoadReportInit) {
    this.name = init.name
    this.source = init.source
    this.model = init.model
    this.unit = init.unit
    this.seed = init.seed
    this.seeds = init.seeds ?? (init.seed === undefined ? [] : [init.seed])
    this.runs = init.runs ?? 1
    this.target = init.target
    this.tagName = init.tag
    this.startedAt = init.startedAt
    this.durationMs = init.durationMs
    this.intervalMs = init.intervalMs
    this.timeoutMs = init.timeoutMs
    this.series = init.series
    this.#totals = init.totals
    this.#tags = init.tags ?? new Map()
    this.#lag = init.schedulingLag
    this.windowStartMs = init.windowStartMs ?? 0
    this.#activeEndMs = init.activeEndMs ?? this.windowStartMs + this.durationMs
    this.#intervals = init.intervals
    this.faults = init.faults ?? []
    this.monitors = init.monitors ?? []
  }

  // Everything this report was built from, to build a variant of it.
  #init(): LoadReportInit {
    return {
      name: this.name,
      seed: this.seed,
      target: this.target,
      tag: this.tagName,
      schedulingLag: this.#lag,
      intervals: this.#intervals,
      timeoutMs: this.timeoutMs,
      source: this.source,
      model: this.model,
      unit: this.unit,
      startedAt: this.startedAt,
      durationMs: this.durationMs,
      windowStartMs: this.windowStartMs,
      activeEndMs: this.#activeEndMs,
      intervalMs: this.intervalMs,
      totals: this.#totals,
      series: this.series,
      tags: this.#tags,
      faults: this.faults,
      monitors: this.monitors,
      runs: this.runs,
      seeds: this.seeds,
    }
  }

  /**
   * The report with monitors' samples on its time line (a monitor sampled during the run: PostgreSQL
   * connections, Redis memory, queue depth, heap), so that `window()` and `during()` cut them too and
   * `monitor(name)` hands them to `toNeverExceed` / `toBeStable`. Tags get them as well.
   *
   * @example
   * const report = (await load(call, { rate: 100, duration: 10_000, timeline })).withMonitors(await connections.stop())
   * expect(report.during('pg restarting').monitor(connections.name)).toNeverExceed(20)
   */
  withMonitors(...monitors: readonly Monitor[]): LoadReport {
    const series = monitors.map((m) => ({
      name: m.name,
      unit: m.unit,
      intervalMs: m.intervalMs,
      failures: m.failures,
      samples: m.samples.map((s) => ({ atMs: s.atMs + (m.startedAt - this.startedAt), value: s.value })),
    }))
    return this.#withSeries([...this.monitors, ...series])
  }

  #withSeries(monitors: readonly MonitorSeries[]): LoadReport {
    const tags = new Map([...this.#tags].map(([tag, report]) => [tag, report.#withSeries(monitors)]))
    return new LoadReport({ ...this.#init(), tags, monitors })
  }

  /**
   * The report with the faults of `timeline` that overlap it added to its own: for a run whose faults
   * were applied where its report was not made (a run spread over threads, a report read from elsewhere).
   *
   * @example
   * const report = LoadReport.fromJSON(saved).withTimeline(timeline)
   * expect(report.during('redis stopped')).toMeetSLO({ errorRate: 0.01 })
   */
  withTimeline(timeline: Timeline): LoadReport {
    const end = this.startedAt + this.windowStartMs + this.durationMs
    const added = timeline
      .between(this.startedAt + this.windowStartMs, end)
      .filter((f) => !this.faults.includes(f))
    return this.#withFaults([...this.faults, ...added])
  }

  #withFaults(faults: readonly TimelineEntry[]): LoadReport {
    const tags = new Map([...this.#tags].map(([tag, report]) => [tag, report.#withFaults(faults)]))
    return new LoadReport({ ...this.#init(), tags, faults })
  }

  /** The samples of the attached monitor `name`, within this report's window. */
  monitor(name: string): MonitorSeries {
    const found = this.monitors.find((m) => m.name === name)
    if (found) return found
    const known =
      this.monitors.length === 0
        ? 'no monitor is attached (report.withMonitors(monitor))'
        : `monitors are ${this.monitors.map((m) => m.name).join(', ')}`
    throw new FaultlineArgumentError('name', `no monitor named "${name}"; ${known}`, this.monitor)
  }

  /**
   * The report restricted to the calls that started (or should have) between `fromMs` and `toMs` after
   * the start of the run, widened to whole intervals: e.g. what users saw during an outage.
   *
   * @example
   * const outage = report.window(10_000, 20_000)
   * expect(outage).toHaveErrorRateBelow(0.05) // "... (window 10.0-20.0 s, seed 42)"
   */
  window(fromMs: number, toMs: number): LoadReport {
    return new LoadReport(windowInit(this.#init(), fromMs, toMs, this.window))
  }

  /**
   * The report restricted to a fault's window on the timeline (until the end of the run if it never
   * healed), by name or entry.
   *
   * @example
   * expect(report.during('redis paused')).toHaveErrorRateBelow(0.01)
   */
  during(fault: string | TimelineEntry): LoadReport {
    const entry = findFault(this.faults, fault, this.during)
    const [from, to] = faultWindow(entry, this.startedAt, this.windowStartMs + this.durationMs)
    return this.window(from, to)
  }

  /** The latency histogram (ms) of every call with a latency (`latency.count`): drops have none. */
  get latency(): LatencyHistogram {
    return this.#totals.latency
  }
  /** Every call or arrival judged: ok + errors, dropped arrivals included. */
  get count(): number {
    return this.#totals.ok + this.#totals.errors
  }
  get ok(): number {
    return this.#totals.ok
  }
  /** Failed calls of every kind, dropped arrivals included (`errorsByKind` splits them). */
  get errors(): number {
    return this.#totals.errors
  }
  /**
   * Arrivals of the open model that never started (the queue for a slot was full, or the run ended
   * first): the failures of kind `dropped`, a subset of `errors`.
   */
  get dropped(): number {
    return this.#totals.dropped
  }
  /** Calls that started and ended (ok or failed): count - dropped. */
  get completed(): number {
    return this.count - this.#totals.dropped
  }
  /** errors / count, in [0, 1], drops included; 0 when there was nothing to judge. */
  get errorRate(): number {
    const count = this.count
    return count === 0 ? 0 : this.#totals.errors / count
  }
  /**
   * How long this report's window loaded the system (ms): up to where the run stopped starting calls,
   * without the drain after (calls waiting out `gracefulStop`). The denominator of `throughput`.
   */
  get activeMs(): number {
    const end = Math.min(this.#activeEndMs, this.windowStartMs + this.durationMs)
    return Math.max(0, end - this.windowStartMs)
  }
  /** Completed calls per second of load (`completed / activeMs`); 0 when nothing ran. */
  get throughput(): number {
    const activeMs = this.activeMs
    return activeMs > 0 ? this.completed / (activeMs / 1000) : 0
  }
  /** Calls that ran on past their timeout, their task ignoring the abort (they kept their slot). */
  get overran(): number {
    return this.#totals.overran
  }
  /** The longest a call ran on past its timeout (ms); 0 when none did. */
  get overrunMaxMs(): number {
    return this.#totals.overrunMaxMs
  }
  /** Errors grouped by kind (error code, class name, `HTTP 503`, `timeout`...). */
  get errorsByKind(): Readonly<Record<string, number>> {
    return Object.fromEntries([...this.#totals.errorsByKind].sort((a, b) => b[1] - a[1]))
  }

  /**
   * The latency (ms) at a percentile between 0 and 100, e.g. `percentile(99.9)`.
   * Within 0.1 % of the exact nearest-rank value; NaN when nothing completed.
   */
  percentile(percentile: number): number {
    return this.#totals.latency.percentile(percentile)
  }
  get p50(): number {
    return this.percentile(50)
  }
  get p90(): number {
    return this.percentile(90)
  }
  get p95(): number {
    return this.percentile(95)
  }
  get p99(): number {
    return this.percentile(99)
  }
  get p999(): number {
    return this.percentile(99.9)
  }
  get min(): number {
    return this.#totals.latency.min
  }
  get mean(): number {
    return this.#totals.latency.mean
  }
  get max(): number {
    return this.#totals.latency.max
  }
  get sd(): number {
    return this.#totals.latency.sd
  }

  /** How late the open model started calls against their schedule (ms); absent for the closed model. */
  get schedulingLag(): LatencyHistogram | undefined {
    return this.#lag
  }

  /** Tags seen in the run, in order of first appearance. */
  get tags(): readonly string[] {
    return [...this.#tags.keys()]
  }

  /**
   * The report restricted to the calls of one tag of a weighted mix.
   *
   * @example
   * expect(report.tag('login')).toHavePercentileBelow(95, 300)
   */
  tag(name: string): LoadReport {
    const report = this.#tags.get(name)
    if (!report) {
      const known = this.tags.length === 0 ? 'the run had no tags' : `tags are ${this.tags.join(', ')}`
      throw new FaultlineArgumentError('tag', `no calls tagged "${name}"; ${known}`, this.tag)
    }
    return report
  }

  /** A plain-text summary for the terminal. */
  summary(): string {
    return formatSummary(this)
  }

  /** The report as JSON (what `JSON.stringify(report)` writes): numbers first, then the histograms. */
  toJSON(): LoadReportJSON {
    return reportToJSON(this, { activeEndMs: this.#activeEndMs, lag: this.#lag, intervals: this.#intervals })
  }

  /**
   * Rebuilds a report from its JSON, e.g. one saved by an earlier run.
   *
   * @example
   * const again = LoadReport.fromJSON(JSON.parse(JSON.stringify(report)))
   */
  static fromJSON(json: LoadReportJSON): LoadReport {
    return new LoadReport(reportInitFromJSON(json, LoadReport.fromJSON))
  }

  /**
   * One report of every sample of `reports` (shards of a suite, processes, machines), as if one run had
   * recorded them all: histograms, counts, errors by kind and drops add up exactly, the series are laid
   * on one time line, faults and monitors are united, and every seed is kept (`seeds`).
   *
   * `align: 'clock'` (default) lays the runs where they ran on the wall clock (`startedAt`): their
   * intervals must fall on one grid, else it throws naming the report and the fix. `align: 'start'` lays
   * them over one another from their starts, as shards that ran side by side on machines of their own.
   * Runs recorded with different intervals are re-bucketed to the widest when it is a whole multiple of
   * each; otherwise it throws.
   *
   * @example
   * const all = LoadReport.merge([shard1, shard2], { align: 'start' })
   * expect(all).toHaveP95Below(500) // the p95 of every shard's calls
   */
  static merge(reports: readonly LoadReport[], options: MergeOptions = {}): LoadReport {
    return new LoadReport(
      mergeInits(
        checkReports(reports, LoadReport.merge).map((r) => r.#init()),
        options,
        { initOf: (r) => r.#init(), build: (init) => new LoadReport(init) },
        LoadReport.merge,
      ),
    )
  }
}

function checkReports(reports: unknown, callee: Callee): LoadReport[] {
  if (!Array.isArray(reports) || reports.length === 0) {
    throw new FaultlineArgumentError(
      'reports',
      `expected a non-empty array of LoadReports, got ${describeValue(reports)}`,
      callee,
    )
  }
  reports.forEach((report, i) => {
    if (!isLoadReport(report)) {
      throw new FaultlineArgumentError(
        `reports[${i}]`,
        `expected a LoadReport (from load(), httpLoad(), LoadReport.fromJSON()), got ${describeValue(report)}`,
        callee,
      )
    }
    // The same report twice would count its calls twice.
    const first = reports.indexOf(report)
    if (first !== i) {
      throw new FaultlineArgumentError(
        `reports[${i}]`,
        `is reports[${first}] again: its calls would count twice; pass each run's report once`,
        callee,
      )
    }
  })
  return reports as LoadReport[]
}

/**
 * True for a `LoadReport`, even one from another copy of `@faultline/core`.
 *
 * @example
 * if (!isLoadReport(received)) throw new TypeError('expected a load report')
 */
export function isLoadReport(value: unknown): value is LoadReport {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
}

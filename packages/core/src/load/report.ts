import { FaultlineArgumentError, FaultlineError } from '../errors.js'
import type { Monitor, MonitorSeries } from '../monitor/monitor.js'
import { formatSeconds } from '../stats/format.js'
import { LatencyHistogram, type LatencyHistogramJSON } from '../stats/histogram.js'
import type { TimelineEntry } from '../timeline.js'
import { StatsCell } from './cell.js'
import { formatSummary } from './summary.js'

const brand = Symbol.for('faultline.load-report')

/** Where the load came from: the function engine of `@faultline/core` or HTTP through `@faultline/http`. */
export type LoadSource = 'function' | 'http'
/** Closed: a fixed number of calls in flight. Open: calls arrive at a rate, whatever the system does. */
export type LoadModel = 'closed' | 'open'

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
  /** Monitors attached with `withMonitors`, their samples' `atMs` from the start of the run. */
  readonly monitors?: readonly MonitorSeries[]
  readonly tags: Readonly<Record<string, LoadReportJSON>>
  readonly histogram: LatencyHistogramJSON
  readonly schedulingLagHistogram?: LatencyHistogramJSON
}

/** Everything a report is built from; produced by the load engines and by `LoadRecorder`. */
export interface LoadReportInit {
  readonly name?: string
  readonly source: LoadSource
  readonly model: LoadModel
  /** What one sample is called in messages: `calls`, `requests`. */
  readonly unit: string
  readonly seed?: number
  readonly target?: string
  readonly tag?: string
  /** Epoch ms of the start of the run. */
  readonly startedAt: number
  readonly durationMs: number
  /**
   * When the run stopped loading the system, ms from its start (default: the end of the report): the
   * throughput is measured up to here, without the drain after the last start.
   */
  readonly activeEndMs?: number
  readonly intervalMs: number
  /** The calls' timeout (ms), if they had one. */
  readonly timeoutMs?: number
  readonly totals: StatsCell
  readonly series: readonly LoadSeriesPoint[]
  readonly tags?: ReadonlyMap<string, LoadReport>
  readonly schedulingLag?: LatencyHistogram
  /** Where this report's window starts in the run (ms; 0 for the whole run). */
  readonly windowStartMs?: number
  /** The per-interval cells, indexed from the start of the run, so the report can be windowed. */
  readonly intervals?: readonly (StatsCell | undefined)[]
  /** Faults of the run's timeline that overlap it (epoch ms). */
  readonly faults?: readonly TimelineEntry[]
  /** Monitored quantities, samples timed from the start of the run. */
  readonly monitors?: readonly MonitorSeries[]
}

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
  /** The seed of every random choice in the run (task mix, Poisson arrivals); replay with `seed`. */
  readonly seed: number | undefined
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
      ...(this.name === undefined ? {} : { name: this.name }),
      ...(this.seed === undefined ? {} : { seed: this.seed }),
      ...(this.target === undefined ? {} : { target: this.target }),
      ...(this.tagName === undefined ? {} : { tag: this.tagName }),
      ...(this.#lag === undefined ? {} : { schedulingLag: this.#lag }),
      ...(this.#intervals === undefined ? {} : { intervals: this.#intervals }),
      ...(this.timeoutMs === undefined ? {} : { timeoutMs: this.timeoutMs }),
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
    if (!(Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs >= 0 && toMs > fromMs)) {
      throw new FaultlineArgumentError(
        'fromMs',
        `window must be 0 <= fromMs < toMs (ms from the start of the run), got ${fromMs}-${toMs}`,
        this.window,
      )
    }
    const intervals = this.#intervals
    if (!intervals) {
      throw new FaultlineError(
        'NO_INTERVALS',
        'this report has no per-interval histograms (it was rebuilt from JSON); window it before serialising',
      )
    }
    const end = this.windowStartMs + this.durationMs
    const lo = Math.max(
      Math.floor(fromMs / this.intervalMs),
      Math.floor(this.windowStartMs / this.intervalMs),
    )
    const hi = Math.min(Math.ceil(toMs / this.intervalMs), Math.ceil(end / this.intervalMs))
    if (lo >= hi) {
      throw new FaultlineArgumentError(
        'fromMs',
        `window ${formatSeconds(fromMs)}-${formatSeconds(toMs)} s is outside the report (${formatSeconds(this.windowStartMs)}-${formatSeconds(end)} s)`,
        this.window,
      )
    }
    // Interval cells keep 2 significant digits; `add` merges each bucket at its highest value, so the
    // window's percentiles are never below the exact ones.
    const totals = new StatsCell()
    for (let i = lo; i < hi; i++) {
      const cell = intervals[i]
      if (cell) totals.add(cell)
    }
    const startMs = lo * this.intervalMs
    const endMs = Math.min(hi * this.intervalMs, end)
    const tags = new Map<string, LoadReport>()
    for (const [tag, report] of this.#tags) tags.set(tag, report.window(fromMs, toMs))
    return new LoadReport({
      ...(this.name === undefined ? {} : { name: this.name }),
      ...(this.seed === undefined ? {} : { seed: this.seed }),
      ...(this.target === undefined ? {} : { target: this.target }),
      ...(this.tagName === undefined ? {} : { tag: this.tagName }),
      ...(this.timeoutMs === undefined ? {} : { timeoutMs: this.timeoutMs }),
      source: this.source,
      model: this.model,
      unit: this.unit,
      startedAt: this.startedAt,
      durationMs: endMs - startMs,
      windowStartMs: startMs,
      activeEndMs: this.#activeEndMs,
      intervalMs: this.intervalMs,
      totals,
      series: this.series.filter((p) => p.startMs >= startMs && p.startMs < endMs),
      tags,
      intervals,
      faults: this.faults.filter(
        (f) =>
          f.startedAt <= this.startedAt + endMs &&
          (f.healedAt ?? Number.POSITIVE_INFINITY) >= this.startedAt + startMs,
      ),
      monitors: this.monitors.map((m) => ({
        ...m,
        samples: m.samples.filter((x) => x.atMs >= startMs && x.atMs < endMs),
      })),
    })
  }

  /**
   * The report restricted to a fault's window on the timeline (until the end of the run if it never
   * healed), by name or entry.
   *
   * @example
   * expect(report.during('redis paused')).toHaveErrorRateBelow(0.01)
   */
  during(fault: string | TimelineEntry): LoadReport {
    const entry = typeof fault === 'string' ? this.faults.find((f) => f.name === fault) : fault
    if (!entry) {
      const known =
        this.faults.length === 0
          ? 'the report has no faults'
          : `faults are ${this.faults.map((f) => f.name).join(', ')}`
      throw new FaultlineArgumentError('fault', `no fault named "${String(fault)}"; ${known}`, this.during)
    }
    const from = Math.max(0, entry.startedAt - this.startedAt)
    const to = (entry.healedAt ?? this.startedAt + this.windowStartMs + this.durationMs) - this.startedAt
    return this.window(from, Math.max(to, from + 1))
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

  toJSON(): LoadReportJSON {
    const optional = {
      ...(this.name === undefined ? {} : { name: this.name }),
      ...(this.seed === undefined ? {} : { seed: this.seed }),
      ...(this.target === undefined ? {} : { target: this.target }),
      ...(this.tagName === undefined ? {} : { tag: this.tagName }),
      ...(this.timeoutMs === undefined ? {} : { timeoutMs: this.timeoutMs }),
    }
    return {
      version: 1,
      ...optional,
      source: this.source,
      model: this.model,
      unit: this.unit,
      startedAt: this.startedAt,
      durationMs: this.durationMs,
      windowStartMs: this.windowStartMs,
      activeEndMs: this.#activeEndMs,
      activeMs: this.activeMs,
      intervalMs: this.intervalMs,
      count: this.count,
      ok: this.ok,
      errors: this.errors,
      dropped: this.dropped,
      completed: this.completed,
      overran: this.overran,
      overrunMaxMs: this.overrunMaxMs,
      errorRate: this.errorRate,
      throughput: this.throughput,
      latency: summarize(this.latency),
      errorsByKind: this.errorsByKind,
      ...(this.#lag ? { schedulingLag: summarize(this.#lag) } : {}),
      series: this.series,
      faults: this.faults,
      ...(this.monitors.length === 0 ? {} : { monitors: this.monitors }),
      tags: Object.fromEntries([...this.#tags].map(([tag, report]) => [tag, report.toJSON()])),
      histogram: this.latency.toJSON(),
      ...(this.#lag ? { schedulingLagHistogram: this.#lag.toJSON() } : {}),
    }
  }

  /**
   * Rebuilds a report from its JSON, e.g. one saved by an earlier run.
   *
   * @example
   * const again = LoadReport.fromJSON(JSON.parse(JSON.stringify(report)))
   */
  static fromJSON(json: LoadReportJSON): LoadReport {
    const totals = new StatsCell(LatencyHistogram.fromJSON(json.histogram))
    totals.ok = json.ok
    totals.errors = json.errors
    totals.dropped = json.dropped
    totals.overran = json.overran ?? 0
    totals.overrunMaxMs = json.overrunMaxMs ?? 0
    for (const [kind, n] of Object.entries(json.errorsByKind)) totals.errorsByKind.set(kind, n)
    return new LoadReport({
      ...(json.name === undefined ? {} : { name: json.name }),
      ...(json.seed === undefined ? {} : { seed: json.seed }),
      ...(json.target === undefined ? {} : { target: json.target }),
      ...(json.tag === undefined ? {} : { tag: json.tag }),
      ...(json.timeoutMs === undefined ? {} : { timeoutMs: json.timeoutMs }),
      ...(json.activeEndMs === undefined ? {} : { activeEndMs: json.activeEndMs }),
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
      tags: new Map(Object.entries(json.tags).map(([tag, t]) => [tag, LoadReport.fromJSON(t)])),
      ...(json.schedulingLagHistogram
        ? { schedulingLag: LatencyHistogram.fromJSON(json.schedulingLagHistogram) }
        : {}),
    })
  }
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

const orNull = (n: number): number | null => (Number.isFinite(n) ? n : null)

function summarize(h: LatencyHistogram): LatencySummaryJSON {
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

import { now } from '../clock.js'
import { LatencyHistogram } from '../stats/histogram.js'
import type { Timeline } from '../timeline.js'
import { checkNumber, optionalNumber } from '../validate.js'
import { StatsCell } from './cell.js'
import { LoadReport } from './report.js'
import type { LoadModel, LoadSource } from './report-init.js'
import { seriesOf } from './series.js'

/** Who made the samples; copied into the report. */
export interface LoadRecorderOptions {
  readonly source?: LoadSource
  readonly model?: LoadModel
  /** What one sample is called in messages (default `calls`). */
  readonly unit?: string
  readonly name?: string
  readonly seed?: number
  readonly target?: string
  /** Width of one point of the time series (ms, default 1,000). */
  readonly interval?: number
  /** Epoch ms of the start of the run (default: core's `now()` when the recorder is created). */
  readonly startedAt?: number
  /** Faults applied during the run; those overlapping it go into the report (`report.faults`). */
  readonly timeline?: Timeline
  /** The calls' timeout (ms), if they had one: the summary names it when calls overran it. */
  readonly timeout?: number
}

/** How a recorded run ended, for `LoadRecorder.finish`. */
export interface LoadFinishOptions {
  /**
   * When the run stopped loading the system (ms from its start; default: `durationMs`): the throughput
   * is measured up to here, leaving out the drain after the last start.
   */
  readonly activeMs?: number
  /**
   * Where the load began (ms from the start of the run; default 0): the report's window starts here, so
   * its throughput leaves out the time before. For samples counted on a grid that began before the load
   * did, such as Artillery's 10 s periods on the wall clock.
   */
  readonly loadStartMs?: number
}

/** One completed call. */
export interface LoadSample {
  /** When the call started, or should have started in the open model: ms from the start of the run. */
  readonly startMs: number
  readonly latencyMs: number
  /** The kind of failure (see `errorKind`); absent when the call succeeded. */
  readonly error?: string
  readonly tag?: string
}

class Track {
  readonly totals = new StatsCell()
  readonly intervals: StatsCell[] = []

  cell(startMs: number, intervalMs: number): StatsCell {
    const index = Math.max(0, Math.floor(startMs / intervalMs))
    let cell = this.intervals[index]
    if (!cell) {
      // 2 significant digits: the series is for charts and windows, and a long run has many intervals.
      cell = new StatsCell(new LatencyHistogram({ significantDigits: 2 }))
      this.intervals[index] = cell
    }
    return cell
  }
}

/**
 * Collects samples into a `LoadReport`. The load engines use it; so can code that measures calls
 * itself (another load tool, a replayed log) to get the same report and matchers.
 *
 * @example
 * const recorder = new LoadRecorder({ unit: 'requests', seed: 42 })
 * recorder.record({ startMs: 0, latencyMs: 12 })
 * recorder.record({ startMs: 5, latencyMs: 30, error: 'HTTP 503', tag: 'login' })
 * const report = recorder.finish(1_000)
 */
export class LoadRecorder {
  readonly #options: LoadRecorderOptions
  readonly #intervalMs: number
  readonly #startedAt: number
  readonly #all = new Track()
  readonly #tags = new Map<string, Track>()
  readonly #lag = new LatencyHistogram()
  #lagged = false

  constructor(options: LoadRecorderOptions = {}) {
    this.#options = options
    this.#intervalMs = optionalNumber(options.interval, 'options.interval', { unit: 'ms', above: 0 }, 1000)
    this.#startedAt = optionalNumber(options.startedAt, 'options.startedAt', {}) ?? now()
  }

  /** Records one completed call. */
  record(sample: LoadSample): void {
    this.recordCall(sample.startMs, sample.latencyMs, sample.error, sample.tag)
  }

  /** `record` without the sample object, for hot loops: at 20,000 calls/s, garbage becomes GC pauses. */
  recordCall(startMs: number, latencyMs: number, error?: string, tag?: string): void {
    this.#into(this.#all, startMs, latencyMs, error)
    if (tag !== undefined) this.#into(this.#track(tag), startMs, latencyMs, error)
  }

  /**
   * Records `count` calls that started at `startMs`, each with latency `latencyMs`, ok or failed with
   * kind `error`: samples another tool counted per value (Artillery's counters of response times).
   *
   * @example
   * recorder.recordCalls(10_000, 12, 40) // 40 calls of 12 ms in the interval at 10 s
   */
  recordCalls(startMs: number, latencyMs: number, count: number, error?: string, tag?: string): void {
    for (const track of this.#tracksOf(tag)) {
      track.totals.recordMany(latencyMs, count, error)
      track.cell(startMs, this.#intervalMs).recordMany(latencyMs, count, error)
    }
  }

  /**
   * Counts `count` calls that started at `startMs`, ok or failed with kind `error`, whose latencies were
   * not measured (another tool's counters only): they count in outcomes and throughput, and the latency
   * lines of a matcher refuse to judge them (the report's `latency.count` leaves them out).
   *
   * @example
   * recorder.countCalls(0, 950)          // 950 ok
   * recorder.countCalls(0, 50, 'HTTP 503')
   */
  countCalls(startMs: number, count: number, error?: string, tag?: string): void {
    checkNumber(count, 'count', { integer: true, min: 0 }, this.countCalls)
    for (const track of this.#tracksOf(tag)) {
      track.totals.countCalls(count, error)
      track.cell(startMs, this.#intervalMs).countCalls(count, error)
    }
  }

  #tracksOf(tag: string | undefined): Track[] {
    return tag === undefined ? [this.#all] : [this.#all, this.#track(tag)]
  }

  /**
   * Records a call that failed without a latency worth reporting (a refused connection, a reset before
   * any response): it counts as an error, and stays out of the latency histogram.
   */
  fail(startMs: number, error: string, tag?: string): void {
    this.#all.totals.fail(error)
    this.#all.cell(startMs, this.#intervalMs).fail(error)
    if (tag !== undefined) {
      const track = this.#track(tag)
      track.totals.fail(error)
      track.cell(startMs, this.#intervalMs).fail(error)
    }
  }

  /**
   * Records an arrival that never started (the open model's queue was full, or the run ended first): a
   * failure of kind `dropped`, counted in `errors` and `errorRate`, without a latency.
   */
  drop(startMs: number, tag?: string): void {
    this.#all.totals.drop()
    this.#all.cell(startMs, this.#intervalMs).drop()
    if (tag !== undefined) {
      const track = this.#track(tag)
      track.totals.drop()
      track.cell(startMs, this.#intervalMs).drop()
    }
  }

  /**
   * Records that a call already recorded as `timeout` ran on `overrunMs` past it (its task ignored the
   * abort): it held its slot that long. `startMs` is the call's start, as recorded.
   */
  overrun(startMs: number, overrunMs: number, tag?: string): void {
    const ms = Math.max(0, overrunMs)
    this.#all.totals.overrun(ms)
    this.#all.cell(startMs, this.#intervalMs).overrun(ms)
    if (tag !== undefined) {
      const track = this.#track(tag)
      track.totals.overrun(ms)
      track.cell(startMs, this.#intervalMs).overrun(ms)
    }
  }

  /** Records how late (ms) a call started against its schedule (open model). */
  lag(ms: number): void {
    this.#lag.record(ms)
    this.#lagged = true
  }

  /** Builds the report of a run that lasted `durationMs`. */
  finish(durationMs: number, options: LoadFinishOptions = {}): LoadReport {
    const activeMs = options.activeMs ?? durationMs
    checkNumber(durationMs, 'durationMs', { unit: 'ms', min: 0 }, this.finish)
    checkNumber(activeMs, 'options.activeMs', { unit: 'ms', min: 0, max: durationMs }, this.finish)
    const from = optionalNumber(
      options.loadStartMs,
      'options.loadStartMs',
      { unit: 'ms', min: 0, max: activeMs },
      0,
    )
    const run = { durationMs, activeMs, loadStartMs: from }
    const tags = new Map<string, LoadReport>()
    for (const [tag, track] of this.#tags) tags.set(tag, this.#report(track, run, tag))
    return this.#report(this.#all, run, undefined, tags)
  }

  #track(tag: string): Track {
    let track = this.#tags.get(tag)
    if (!track) {
      track = new Track()
      this.#tags.set(tag, track)
    }
    return track
  }

  #into(track: Track, startMs: number, latencyMs: number, error: string | undefined): void {
    track.totals.record(latencyMs, error)
    track.cell(startMs, this.#intervalMs).record(latencyMs, error)
  }

  #report(
    track: Track,
    { durationMs, activeMs, loadStartMs }: { durationMs: number; activeMs: number; loadStartMs: number },
    tag?: string,
    tags?: Map<string, LoadReport>,
  ): LoadReport {
    const o = this.#options
    return new LoadReport({
      name: o.name,
      seed: o.seed,
      target: o.target,
      tag,
      tags,
      schedulingLag: this.#lagged && tag === undefined ? this.#lag : undefined,
      timeoutMs: o.timeout,
      source: o.source ?? 'function',
      model: o.model ?? 'closed',
      unit: o.unit ?? 'calls',
      startedAt: this.#startedAt,
      durationMs: durationMs - loadStartMs,
      windowStartMs: loadStartMs,
      activeEndMs: activeMs,
      intervalMs: this.#intervalMs,
      totals: track.totals,
      series: seriesOf(track.intervals, durationMs, activeMs, this.#intervalMs),
      intervals: track.intervals,
      faults: o.timeline?.between(this.#startedAt, this.#startedAt + durationMs),
    })
  }
}

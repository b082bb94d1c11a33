import { LatencyHistogram } from '../stats/histogram.js'

/** The error kind of an arrival that never started (the open model's queue was full, or the run ended). */
export const DROPPED = 'dropped'

/** What a set of calls measured: latencies plus outcome counts. One per run, per tag, per interval. */
export class StatsCell {
  readonly latency: LatencyHistogram
  ok = 0
  /** Failures of every kind, drops included. */
  errors = 0
  /** The failures that are drops: arrivals that never started. */
  dropped = 0
  /** Calls that ran on past their timeout (their task ignored the signal). */
  overran = 0
  /** The longest a call ran on past its timeout (ms); 0 when none did. */
  overrunMaxMs = 0
  readonly errorsByKind = new Map<string, number>()

  constructor(latency: LatencyHistogram = new LatencyHistogram()) {
    this.latency = latency
  }

  /** Records a completed call; `error` is the kind of failure, absent on success. */
  record(latencyMs: number, error: string | undefined): void {
    this.latency.record(latencyMs)
    if (error === undefined) {
      this.ok++
      return
    }
    this.fail(error)
  }

  /** Records `count` completed calls of `latencyMs` each, ok or failed with kind `error`. */
  recordMany(latencyMs: number, count: number, error: string | undefined): void {
    this.latency.recordMany(latencyMs, count)
    this.countCalls(count, error)
  }

  /**
   * Counts `count` calls, ok or failed with kind `error`, whose latencies were not measured (another
   * tool's counters without their response times): they count in the outcomes, not in the latency.
   */
  countCalls(count: number, error: string | undefined): void {
    if (error === undefined) this.ok += count
    else this.fail(error, count)
  }

  /** Records a call that failed without a latency to report (e.g. the connection was refused). */
  fail(error: string, count = 1): void {
    this.errors += count
    this.errorsByKind.set(error, (this.errorsByKind.get(error) ?? 0) + count)
  }

  /** Records an arrival that never started: a failure of kind `dropped`, without a latency. */
  drop(): void {
    this.dropped++
    this.fail(DROPPED)
  }

  /** Records a call that ran `ms` past its timeout (it was recorded as `timeout` when that fired). */
  overrun(ms: number): void {
    this.overran++
    if (ms > this.overrunMaxMs) this.overrunMaxMs = ms
  }

  /** Adds another cell's samples to this one. */
  add(other: StatsCell): void {
    this.latency.add(other.latency)
    this.ok += other.ok
    this.errors += other.errors
    this.dropped += other.dropped
    this.overran += other.overran
    this.overrunMaxMs = Math.max(this.overrunMaxMs, other.overrunMaxMs)
    for (const [kind, n] of other.errorsByKind)
      this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + n)
  }
}

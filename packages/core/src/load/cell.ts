import { LatencyHistogram } from '../stats/histogram.js'

/** What a set of calls measured: latencies plus outcome counts. One per run, per tag, per interval. */
export class StatsCell {
  readonly latency: LatencyHistogram
  ok = 0
  errors = 0
  dropped = 0
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

  /** Records a call that failed without a latency to report (e.g. the connection was refused). */
  fail(error: string): void {
    this.errors++
    this.errorsByKind.set(error, (this.errorsByKind.get(error) ?? 0) + 1)
  }

  /** Adds another cell's samples to this one. */
  add(other: StatsCell): void {
    this.latency.add(other.latency)
    this.ok += other.ok
    this.errors += other.errors
    this.dropped += other.dropped
    for (const [kind, n] of other.errorsByKind)
      this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + n)
  }
}

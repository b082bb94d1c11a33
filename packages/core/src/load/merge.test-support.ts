// Random shards of a load run for the merge's properties: each shard's report, and the one report a single
// recorder makes of all their samples, which the merged report must equal. Used by core's merge test and
// by @faultline/vitest's (the matchers' verdicts on both).
import fc from 'fast-check'
import { LoadRecorder } from './recorder.js'
import type { LoadReport } from './report.js'
import type { MergeAlign } from './report-merge.js'

/** One event of a shard: a completed call, a failure without latency, or a dropped arrival. */
export type ShardEvent =
  | {
      readonly kind: 'call'
      readonly startMs: number
      readonly latencyMs: number
      readonly error?: string
      readonly tag?: string
    }
  | { readonly kind: 'fail'; readonly startMs: number; readonly error: string; readonly tag?: string }
  | { readonly kind: 'drop'; readonly startMs: number; readonly tag?: string }

/** A shard: where and how long it ran, and its events (start times from its own start). */
export interface Shard {
  /** Its start on the merged grid, in intervals after the first shard's (`align: 'clock'`). */
  readonly step: number
  /** With `align: 'start'`: how far off the grid it started (ms). */
  readonly jitterMs: number
  readonly intervalMs: number
  readonly durationMs: number
  readonly activeMs: number
  readonly lags: readonly number[]
  readonly events: readonly ShardEvent[]
}

/** The epoch ms the first shard starts at. */
export const BASE = 1_764_000_000_000

// Latencies whose sums are exact in binary floating point (eighths of a ms), so that the mean of the
// merged histograms is the mean of one histogram to the last bit.
const latency = fc.oneof(
  fc.integer({ min: 0, max: 3_000 }),
  fc.integer({ min: 0, max: 80_000 }).map((n) => n / 8),
)
const tag = fc.option(fc.constantFrom('login', 'search'), { nil: undefined })
const error = fc.constantFrom('ECONNRESET', 'HTTP 503', 'timeout')

function shard(intervalMs: number): fc.Arbitrary<Shard> {
  return fc
    .record({
      step: fc.integer({ min: 0, max: 4 }),
      jitterMs: fc.integer({ min: 0, max: 999_999 }).map((n) => n / 1000),
      intervalMs: fc.constantFrom(intervalMs, intervalMs / 2, intervalMs / 4),
      durationMs: fc.integer({ min: 500, max: 6_000 }),
      active: fc.double({ min: 0.5, max: 1, noNaN: true }),
      lags: fc.array(
        fc.integer({ min: 0, max: 80 }).map((n) => n / 8),
        { maxLength: 5 },
      ),
      events: fc.array(
        fc.record({
          at: fc.double({ min: 0, max: 0.999, noNaN: true }),
          kind: fc.constantFrom('call', 'call', 'call', 'call', 'fail', 'drop'),
          latencyMs: latency,
          failed: fc.boolean(),
          error,
          tag,
        }),
        { maxLength: 150 },
      ),
    })
    .map(({ active, durationMs, events, ...rest }) => ({
      ...rest,
      durationMs,
      activeMs: Math.round(durationMs * active),
      events: events.map((e): ShardEvent => {
        const startMs = Math.floor(e.at * durationMs)
        const t = e.tag === undefined ? {} : { tag: e.tag }
        if (e.kind === 'fail') return { kind: 'fail', startMs, error: e.error, ...t }
        if (e.kind === 'drop') return { kind: 'drop', startMs, ...t }
        return {
          kind: 'call',
          startMs,
          latencyMs: e.latencyMs,
          ...(e.failed ? { error: e.error } : {}),
          ...t,
        }
      }),
    }))
}

/**
 * 1 to 4 shards whose intervals divide the widest one (1,000 or 500 ms).
 *
 * @example
 * fc.assert(fc.property(arbitraryShards, (shards) => { ... }))
 */
export const arbitraryShards: fc.Arbitrary<Shard[]> = fc.constantFrom(1000, 500).chain((intervalMs) =>
  fc.array(shard(intervalMs), { minLength: 1, maxLength: 4 }).map((shards) => {
    // The widest interval is one of the shards': the merged grid.
    const [first, ...rest] = shards
    return first ? [{ ...first, intervalMs }, ...rest] : shards
  }),
)

/** Where a shard starts, epoch ms: on the widest interval's grid (clock), or anywhere (start). */
export function startOf(shard: Shard, widestMs: number, align: MergeAlign): number {
  return align === 'clock' ? BASE + shard.step * widestMs : BASE + shard.step * widestMs + shard.jitterMs
}

function replay(recorder: LoadRecorder, events: readonly ShardEvent[], shiftMs: number): void {
  for (const e of events) {
    if (e.kind === 'call') recorder.recordCall(e.startMs + shiftMs, e.latencyMs, e.error, e.tag)
    else if (e.kind === 'fail') recorder.fail(e.startMs + shiftMs, e.error, e.tag)
    else recorder.drop(e.startMs + shiftMs, e.tag)
  }
}

/**
 * Each shard's report, and the one report a single recorder makes of every shard's samples, laid as
 * `align` lays them (from the first start, at the widest interval).
 *
 * @example
 * const { reports, whole } = recordShards(shards, 'clock', 42)
 * expect(LoadReport.merge(reports).p95).toBe(whole.p95)
 */
export function recordShards(
  shards: readonly Shard[],
  align: MergeAlign,
  seed?: number,
): { reports: LoadReport[]; whole: LoadReport } {
  const widestMs = Math.max(...shards.map((s) => s.intervalMs))
  const starts = shards.map((s) => startOf(s, widestMs, align))
  const first = Math.min(...starts)
  const common = { model: 'open' as const, unit: 'requests', ...(seed === undefined ? {} : { seed }) }
  const reports = shards.map((s, i) => {
    const recorder = new LoadRecorder({ ...common, interval: s.intervalMs, startedAt: starts[i] })
    replay(recorder, s.events, 0)
    for (const lag of s.lags) recorder.lag(lag)
    return recorder.finish(s.durationMs, { activeMs: s.activeMs })
  })
  const whole = new LoadRecorder({ ...common, interval: widestMs, startedAt: first })
  let endMs = 0
  let activeEndMs = 0
  shards.forEach((s, i) => {
    const shiftMs = align === 'clock' ? starts[i]! - first : 0
    replay(whole, s.events, shiftMs)
    for (const lag of s.lags) whole.lag(lag)
    endMs = Math.max(endMs, shiftMs + s.durationMs)
    activeEndMs = Math.max(activeEndMs, shiftMs + s.activeMs)
  })
  return { reports, whole: whole.finish(endMs, { activeMs: activeEndMs }) }
}

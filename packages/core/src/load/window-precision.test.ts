import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LoadRecorder } from './recorder.js'

// Exact nearest-rank percentile: the smallest sample with at least p % of the samples at or below it.
// `p` is a multiple of 0.1 (p99.9, p95), so the rank is computed in integers: no floating-point doubt.
function exact(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  const tenths = Math.round(p * 10)
  const rank = Math.max(1, Math.ceil((tenths * sorted.length) / 1000))
  return sorted[rank - 1]!
}

// What docs/load.md promises: the whole report within 0.1 % above the exact value, a window within 1 %,
// plus the microsecond the histograms count in. Never below.
const WHOLE = 0.001
const WINDOW = 0.01
const US = 0.001

describe('percentiles are never below the exact value', () => {
  it('a window reports p95 505.8 ms as at least 505.8 ms, as the whole report does', () => {
    // 100 calls in the first second: 94 at 100 ms, the 95th at 505.8 ms, 5 at 1 s. Exact p95: 505.8 ms.
    const recorder = new LoadRecorder({ startedAt: 0 })
    const latencies = [
      ...Array.from({ length: 94 }, () => 100),
      505.8,
      ...Array.from({ length: 5 }, () => 1000),
    ]
    for (const [i, latencyMs] of latencies.entries()) recorder.record({ startMs: i * 10, latencyMs })
    const report = recorder.finish(1000)
    expect(exact(latencies, 95)).toBe(505.8)
    expect(report.p95).toBeGreaterThanOrEqual(505.8)
    expect(report.window(0, 1000).p95).toBeGreaterThanOrEqual(505.8)
    expect(report.window(0, 1000).p95).toBeLessThanOrEqual(505.8 * (1 + WINDOW))
  })

  it('rounds a latency to the microsecond upwards, never downwards', () => {
    const recorder = new LoadRecorder({ startedAt: 0 })
    // 1.4 µs would round to 1 µs: below the exact p50.
    for (let i = 0; i < 20; i++) recorder.record({ startMs: i, latencyMs: i === 0 ? 0.0001 : 0.0014 })
    const report = recorder.finish(1000)
    expect(report.p50).toBeGreaterThanOrEqual(0.0014)
    expect(report.p50).toBeLessThanOrEqual(0.002)
    expect(report.window(0, 1000).p50).toBeGreaterThanOrEqual(0.0014)
  })

  it('holds for random latencies, start times, percentiles and windows (fast-check)', () => {
    const sample = fc.record({
      startMs: fc.integer({ min: 0, max: 9_999 }),
      latencyMs: fc.oneof(
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 100_000, noNaN: true }),
        fc.integer({ min: 0, max: 2_000 }).map((n) => n / 10),
      ),
    })
    fc.assert(
      fc.property(
        fc.array(sample, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 0, max: 1000 }).map((tenths) => tenths / 10),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(250, 1000, 3000),
        (samples, p, fromS, lengthS, interval) => {
          const recorder = new LoadRecorder({ startedAt: 0, interval })
          for (const s of samples) recorder.record(s)
          const report = recorder.finish(10_000)
          const whole = samples.map((s) => s.latencyMs)
          const truth = exact(whole, p)
          expect(report.percentile(p)).toBeGreaterThanOrEqual(truth)
          expect(report.percentile(p)).toBeLessThanOrEqual(truth * (1 + WHOLE) + US)

          const fromMs = fromS * 1000
          const toMs = Math.min(10_000, fromMs + lengthS * 1000)
          const window = report.window(fromMs, toMs)
          // The calls a window counts: those whose start falls in its whole intervals.
          const inWindow = samples
            .filter(
              (s) =>
                s.startMs >= window.windowStartMs && s.startMs < window.windowStartMs + window.durationMs,
            )
            .map((s) => s.latencyMs)
          expect(window.latency.count).toBe(inWindow.length)
          if (inWindow.length === 0) return
          const windowTruth = exact(inWindow, p)
          expect(window.percentile(p)).toBeGreaterThanOrEqual(windowTruth)
          expect(window.percentile(p)).toBeLessThanOrEqual(windowTruth * (1 + WINDOW) + US)
        },
      ),
      { numRuns: 300 },
    )
  })
})

// What other tools count (Artillery's counters) goes into a report as the engines' samples do: per value
// with a count, or without a latency; and a report of coarse periods refuses windows finer than one.
import { describe, expect, test } from 'vitest'
import { LatencyHistogram } from '../stats/histogram.js'
import { LoadRecorder } from './recorder.js'

describe('LoadRecorder.recordCalls', () => {
  test('is `count` calls of record: the same histogram, counts and series', () => {
    const bulk = new LoadRecorder({ startedAt: 0 })
    const one = new LoadRecorder({ startedAt: 0 })
    bulk.recordCalls(0, 12, 40)
    bulk.recordCalls(1_500, 250, 3, 'HTTP 503', 'login')
    for (let i = 0; i < 40; i++) one.recordCall(0, 12)
    for (let i = 0; i < 3; i++) one.recordCall(1_500, 250, 'HTTP 503', 'login')
    expect(bulk.finish(2_000).toJSON()).toEqual(one.finish(2_000).toJSON())
  })
})

describe('LoadRecorder.countCalls', () => {
  test('counts outcomes without latencies: in the error rate and throughput, not in the histogram', () => {
    const recorder = new LoadRecorder({ startedAt: 0 })
    recorder.countCalls(0, 95)
    recorder.countCalls(500, 5, 'HTTP 503')
    const report = recorder.finish(1_000)
    expect([report.count, report.ok, report.errors, report.latency.count]).toEqual([100, 95, 5, 0])
    expect(report.errorRate).toBe(0.05)
    expect(report.throughput).toBe(100)
    expect(Number.isNaN(report.p95)).toBe(true)
  })

  test('refuses a count that is not a whole number', () => {
    expect(() => new LoadRecorder().countCalls(0, 1.5)).toThrow('count: expected an integer >= 0, got 1.5')
    expect(() => new LatencyHistogram().recordMany(3, -1)).toThrow('count: expected an integer >= 0, got -1')
  })
})

describe('LoadRecorder.finish({ loadStartMs })', () => {
  test('starts the report where the load began: throughput over the load, not the grid before it', () => {
    const recorder = new LoadRecorder({ startedAt: 0, interval: 10_000 })
    recorder.recordCalls(0, 5, 60)
    const report = recorder.finish(10_000, { activeMs: 10_000, loadStartMs: 4_000 })
    expect(report.windowStartMs).toBe(4_000)
    expect(report.activeMs).toBe(6_000)
    expect(report.throughput).toBe(10)
  })
})

describe('a window of a report in Artillery periods', () => {
  const report = () => {
    const recorder = new LoadRecorder({ source: 'artillery', startedAt: 0, interval: 10_000 })
    recorder.recordCalls(0, 5, 10)
    recorder.recordCalls(10_000, 900, 10)
    return recorder.finish(20_000)
  }

  test('is refused when shorter than a period: it would be judged on calls outside it', () => {
    expect(() => report().window(12_000, 15_000)).toThrow(
      "toMs: window 12.0-15.0 s is shorter than one of Artillery's 10.0 s periods, and Artillery counts per period: it would be judged on calls outside it. Judge a window of at least 10.0 s (a longer fault, or the whole run)",
    )
  })

  test('is judged over whole periods when at least one long', () => {
    expect(report().window(10_000, 20_000).p50).toBeCloseTo(900, -1)
  })
})

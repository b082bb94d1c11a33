import { LoadRecorder, type LoadReport } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { faultlineMatchers } from './index.js'

expect.extend(faultlineMatchers)

function reportOf(n: number, durationMs: number): LoadReport {
  const recorder = new LoadRecorder({ unit: 'requests', startedAt: 0 })
  for (let i = 0; i < n; i++) recorder.record({ startMs: (i * durationMs) / n, latencyMs: 1 })
  return recorder.finish(durationMs)
}

describe('.toHaveThroughputAtLeast', () => {
  it('passes when completed calls per second reach the limit', () => {
    expect(reportOf(1000, 10_000)).toHaveThroughputAtLeast(100)
  })

  it('fails when they do not', () => {
    expect(() =>
      expect(reportOf(805, 10_000)).toHaveThroughputAtLeast(100),
    ).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).toHaveThroughputAtLeast(100)

      throughput 80.5/s < 100/s: 805 requests completed in 10.0 s (floor 1.0 s, window 0.0-10.0 s)]
    `)
  })

  it('rejects a negative limit, naming it', () => {
    expect(() => expect(reportOf(1, 1000)).toHaveThroughputAtLeast(-1)).toThrowError(
      'perSecond: expected a number of calls per second > 0 (0 would pass any run), got -1',
    )
  })
})

describe('.toHaveThroughputAtLeast: floors, drops, limits', () => {
  it('refuses to judge one call in 1 ms as 1,000/s', () => {
    expect(() => expect(reportOf(1, 1)).toHaveThroughputAtLeast(500)).toThrow(
      /^throughput of 500\/s needs at least 1\.0 s of load \(1 s, and 10 calls at the limit\); the load ran 0\.0 s/,
    )
    expect(() => expect(reportOf(1, 1)).not.toHaveThroughputAtLeast(500)).toThrow(/at least 1\.0 s/)
  })

  it('refuses a window where the limit means fewer than 10 calls', () => {
    expect(() => expect(reportOf(3, 2_000)).toHaveThroughputAtLeast(2)).toThrow(
      /throughput of 2\/s needs at least 5\.0 s of load \(1 s, and 10 calls at the limit\); the load ran 2\.0 s/,
    )
  })

  it('counts completed calls only: dropped arrivals did not complete', () => {
    const recorder = new LoadRecorder({ unit: 'requests', startedAt: 0, model: 'open' })
    for (let i = 0; i < 2000; i++) {
      if (i % 2) recorder.drop(i * 5)
      else recorder.record({ startMs: i * 5, latencyMs: 1 })
    }
    const report = recorder.finish(10_000)
    expect(report).toHaveThroughputAtLeast(100)
    expect(() => expect(report).toHaveThroughputAtLeast(150)).toThrow(
      /throughput 100\/s < 150\/s: 1,000 of 2,000 requests completed in 10\.0 s .*\n1,000 of 2,000 arrivals dropped \(not completed\)/,
    )
  })

  it('rejects a limit that cannot fail, naming it', () => {
    for (const limit of [0, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        () => expect(reportOf(1000, 10_000)).toHaveThroughputAtLeast(limit as never),
        String(limit),
      ).toThrow(/^perSecond: expected a number of calls per second > 0/)
    }
  })
})

describe('.not.toHaveThroughputAtLeast', () => {
  it('passes when the throughput is below the limit', () => {
    expect(reportOf(805, 10_000)).not.toHaveThroughputAtLeast(100)
  })

  it('fails when it reaches the limit', () => {
    expect(() =>
      expect(reportOf(2000, 10_000)).not.toHaveThroughputAtLeast(100),
    ).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).not.toHaveThroughputAtLeast(100)

      throughput 200/s >= 100/s: 2,000 requests completed in 10.0 s (floor 1.0 s, window 0.0-10.0 s), expected < 100/s]
    `)
  })
})

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

      throughput 80.5/s < 100/s: 805 requests in 10.0 s (window 0.0-10.0 s)]
    `)
  })

  it('rejects a negative limit, naming it', () => {
    expect(() => expect(reportOf(1, 1000)).toHaveThroughputAtLeast(-1)).toThrowError(
      'perSecond: must be a number of calls per second >= 0, got -1',
    )
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

      throughput 200/s > 100/s: 2,000 requests in 10.0 s (window 0.0-10.0 s), expected below 100/s]
    `)
  })
})

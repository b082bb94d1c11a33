import { LoadRecorder, type LoadReport } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { faultlineMatchers } from './index.js'

expect.extend(faultlineMatchers)

// 1,200 requests over 10 s: latencies 1..1,200 ms scaled by `scale`, the first `errors` failing.
function reportOf(scale: number, errors: number): LoadReport {
  const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0 })
  for (let i = 0; i < 1200; i++) {
    const error = i < errors ? (i % 2 ? 'HTTP 503' : 'ETIMEDOUT') : undefined
    recorder.record({
      startMs: (i * 10_000) / 1200,
      latencyMs: (i + 1) * scale,
      tag: i % 2 ? 'read' : 'login',
      ...(error ? { error } : {}),
    })
  }
  return recorder.finish(10_000)
}

const slo = { p95: 500, p99: 1000, errorRate: 0.01, throughput: 100 }

describe('.toMeetSLO', () => {
  it('passes when every line is met', () => {
    expect(reportOf(0.4, 6)).toMeetSLO(slo)
    expect(reportOf(0.4, 6).tag('login')).toMeetSLO({ p99: 500 })
  })

  it('fails listing every breached line at once', () => {
    expect(() => expect(reportOf(1, 30)).toMeetSLO(slo)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).toMeetSLO({ p95: 500, p99: 1000, errorRate: 0.01, throughput: 100 })

      3 of 4 SLO lines breached over 1,200 requests (window 0.0-10.0 s, seed 42):
        ✗ p95 1,141 ms > 500 ms
        ✗ p99 1,189 ms > 1,000 ms
        ✗ error rate 2.5 % > 1 % (30 errors)
        ✓ throughput 120/s > 100/s
      Hint: errors by kind: ETIMEDOUT 15, HTTP 503 15]
    `)
  })

  it('refuses to judge fewer samples than its strictest line needs', () => {
    expect(() =>
      expect(reportOf(1, 0).tag('login')).toMeetSLO({ p999: 5000 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[FaultlineError: p99.9 needs at least 1,000 requests to judge (the strictest line of the SLO); the report has 600 (window 0.0-10.0 s, seed 42). Run the load longer, or pass { minSamples } to judge anyway.]`,
    )
  })

  it('rejects an unknown line or a bad budget, naming it', () => {
    expect(() => expect(reportOf(1, 0)).toMeetSLO({ p95: 1, p98: 3 } as never)).toThrowError(
      /^slo\.p98: is not an SLO line; use p50, p90, p95, p99, p999/,
    )
    expect(() => expect(reportOf(1, 0)).toMeetSLO({ errorRate: 2 })).toThrowError(
      'slo.errorRate: must be a ratio',
    )
    expect(() => expect(reportOf(1, 0)).toMeetSLO({})).toThrowError('slo: give at least one line')
  })
})

describe('.not.toMeetSLO', () => {
  it('passes when a line is breached', () => {
    expect(reportOf(1, 0)).not.toMeetSLO(slo)
  })

  it('fails when every line is met', () => {
    expect(() => expect(reportOf(0.4, 0)).not.toMeetSLO(slo)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).not.toMeetSLO({ p95: 500, p99: 1000, errorRate: 0.01, throughput: 100 })

      all 4 SLO lines met over 1,200 requests (window 0.0-10.0 s, seed 42), expected at least one breached:
        ✓ p95 456 ms < 500 ms
        ✓ p99 475 ms < 1,000 ms
        ✓ error rate 0 % < 1 % (0 errors)
        ✓ throughput 120/s > 100/s]
    `)
  })
})

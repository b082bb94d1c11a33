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
        ✗ p95 1,141 ms > 500 ms (1,200 samples, floor 20)
        ✗ p99 1,189 ms > 1,000 ms (1,200 samples, floor 100)
        ✗ error rate 2.5 % > 1 % (30 errors in 1,200, floor 100)
        ✓ throughput 120/s >= 100/s (1,200 completed in 10.0 s, floor 1.0 s)
      Hint: errors by kind: ETIMEDOUT 15, HTTP 503 15]
    `)
  })

  it('refuses to judge fewer samples than its strictest line needs', () => {
    expect(() =>
      expect(reportOf(1, 0).tag('login')).toMeetSLO({ p999: 5000 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[FaultlineError: p99.9 needs at least 1,000 requests with a latency to judge (one must lie above the percentile); the report has 600 (window 0.0-10.0 s, seed 42). Run the load longer, or pass { minSamples } to judge anyway.]`,
    )
  })

  it('rejects an unknown line or a bad budget, naming it', () => {
    expect(() => expect(reportOf(1, 0)).toMeetSLO({ p95: 1, p98: 3 } as never)).toThrowError(
      /^slo\.p98: expected an SLO line, one of p50, p90, p95, p99, p999/,
    )
    expect(() => expect(reportOf(1, 0)).toMeetSLO({ errorRate: 2 })).toThrowError(
      'slo.errorRate: expected a ratio',
    )
    expect(() => expect(reportOf(1, 0)).toMeetSLO({})).toThrowError('slo: expected at least one line')
  })
})

describe('.toMeetSLO: a floor per line, drops, strictness', () => {
  const one = (): LoadReport => {
    const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0 })
    recorder.record({ startMs: 0, latencyMs: 1 })
    return recorder.finish(1)
  }

  it('refuses to judge one call, whatever the line', () => {
    for (const slo of [{ errorRate: 0 }, { mean: 100 }, { max: 100 }, { max: 100, throughput: 1 }]) {
      expect(() => expect(one()).toMeetSLO(slo), JSON.stringify(slo)).toThrow(/needs at least/)
      expect(() => expect(one()).not.toMeetSLO(slo), JSON.stringify(slo)).toThrow(/needs at least/)
    }
  })

  it('judges each line on its own samples: a p99 is not judged over 10 latencies', () => {
    // 1,000 calls, of which 990 failed before any response (no latency): the error-rate line has 1,000
    // samples, the p99 line 10.
    const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0 })
    for (let i = 0; i < 1000; i++) {
      if (i < 990) recorder.fail(i * 10, 'ECONNREFUSED')
      else recorder.record({ startMs: i * 10, latencyMs: 5 })
    }
    const report = recorder.finish(10_000)
    expect(() => expect(report).toMeetSLO({ p99: 100, errorRate: 0.001 })).toThrow(
      /^p99 needs at least 100 requests with a latency to judge \(one must lie above the percentile\); the report has 10 \(window/,
    )
  })

  it('passes a line at its limit', () => {
    const report = reportOf(0.4, 12)
    expect(report).toMeetSLO({ p95: report.p95, errorRate: 0.01, throughput: 120 })
  })

  it('counts drops: 180 of 400 arrivals dropped breach the error rate, the percentiles and the throughput', () => {
    const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0, model: 'open' })
    for (let i = 0; i < 400; i++) {
      if (i % 20 < 9) recorder.drop((i * 2_000) / 400)
      else recorder.record({ startMs: (i * 2_000) / 400, latencyMs: 3 })
    }
    const report = recorder.finish(2_000)
    expect(() => expect(report).toMeetSLO({ p95: 500, errorRate: 0.01, throughput: 150 })).toThrow(
      /3 of 3 SLO lines breached over 400 requests .*\n {2}✗ p95 unbounded > 500 ms .*\n {2}✗ error rate 45 % > 1 % .*\n {2}✗ throughput 110\/s < 150\/s.*\n180 of 400 arrivals dropped/,
    )
  })

  it('rejects a line that cannot fail, or a bad minSamples, naming it', () => {
    expect(() => expect(reportOf(1, 0)).toMeetSLO({ throughput: 0 })).toThrow(/^slo\.throughput: /)
    expect(() => expect(reportOf(1, 0)).toMeetSLO({ errorRate: 1 })).toThrow(/^slo\.errorRate: /)
    expect(() => expect(reportOf(1, 0)).toMeetSLO({ p95: 500, minSamples: 0 })).toThrow(/^slo\.minSamples: /)
    expect(() => expect(reportOf(1, 0)).toMeetSLO({ p95: undefined as never })).toThrow(/^slo\.p95: /)
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
        ✓ p95 456 ms <= 500 ms (1,200 samples, floor 20)
        ✓ p99 475 ms <= 1,000 ms (1,200 samples, floor 100)
        ✓ error rate 0 % <= 1 % (0 errors in 1,200, floor 100)
        ✓ throughput 120/s >= 100/s (1,200 completed in 10.0 s, floor 1.0 s)]
    `)
  })
})

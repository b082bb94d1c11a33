import { LoadRecorder, type LoadReport } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { faultlineMatchers } from './index.js'

expect.extend(faultlineMatchers)

// 1,200 requests over 10 s with latencies 1..1,200 ms: p50 600, p95 1,140, p99 1,188 (within 0.1 %).
function reportOf(n: number, options: { tag?: string } = {}): LoadReport {
  const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0 })
  for (let i = 0; i < n; i++) {
    recorder.record({
      startMs: (i * 10_000) / n,
      latencyMs: i + 1,
      ...(options.tag ? { tag: options.tag } : {}),
    })
  }
  return recorder.finish(10_000)
}

describe('.toHavePercentileBelow', () => {
  it('passes when the percentile is below the limit', () => {
    expect(reportOf(1200)).toHavePercentileBelow(95, 1200)
    expect(reportOf(1200)).toHavePercentileBelow(99.9, 1300)
    expect(reportOf(1200)).toHaveP50Below(700)
    expect(reportOf(1200)).toHaveP95Below(1200)
    expect(reportOf(1200)).toHaveP99Below(1200)
  })

  it('fails when the percentile is at or above the limit, quantified', () => {
    expect(() => expect(reportOf(1200)).toHavePercentileBelow(95, 500)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).toHavePercentileBelow(95, 500)

      p95 1,141 ms > 500 ms over 1,200 requests (floor 20, window 0.0-10.0 s, seed 42)
      Hint: worst interval 9.0-10.0 s: p95 1,196 ms over 120 requests]
    `)
    expect(() => expect(reportOf(1200)).toHaveP99Below(1000)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).toHaveP99Below(1000)

      p99 1,189 ms > 1,000 ms over 1,200 requests (floor 100, window 0.0-10.0 s, seed 42)
      Hint: worst interval 9.0-10.0 s: p99 1,200 ms over 120 requests]
    `)
  })

  it('works on a tag, and names it', () => {
    const report = reportOf(1200, { tag: 'login' })
    expect(report.tag('login')).toHaveP50Below(700)
    expect(() => expect(report.tag('login')).toHaveP50Below(100)).toThrowError(
      'p50 600 ms > 100 ms over 1,200 requests tagged login (floor 10, window 0.0-10.0 s, seed 42)',
    )
  })

  it('refuses to judge a report with too few samples for the percentile', () => {
    expect(() => expect(reportOf(50)).toHaveP99Below(10_000)).toThrowErrorMatchingInlineSnapshot(
      `[FaultlineError: p99 needs at least 100 requests with a latency to judge (one must lie above the percentile); the report has 50 (window 0.0-10.0 s, seed 42). Run the load longer, or pass { minSamples } to judge anyway.]`,
    )
    expect(() => expect(reportOf(50)).not.toHaveP99Below(1)).toThrowError(/TOO_FEW|needs at least 100/)
    expect(reportOf(50)).toHaveP99Below(10_000, { minSamples: 50 })
    expect(reportOf(20)).toHaveP95Below(100)
    expect(() => expect(reportOf(9)).toHaveP50Below(100)).toThrow(/p50 needs at least 10 requests/)
    expect(() => expect(reportOf(50)).toHavePercentileBelow(100, 10_000)).toThrow(
      /p100 needs at least 100 requests with a latency to judge \(p100 is the max: as many as p99 needs\)/,
    )
    expect(reportOf(100)).toHavePercentileBelow(100, 100)
  })

  it('rejects a percentile outside 0-100 and a value that is not a report, naming the argument', () => {
    expect(() => expect(reportOf(100)).toHavePercentileBelow(101, 10)).toThrowError(
      'percentile: expected a number from 0 to 100, got 101',
    )
    expect(() => expect(reportOf(100)).toHaveP95Below(-1)).toThrowError(
      'limitMs: expected a number of ms >= 0',
    )
    expect(() => expect({ p95: 3 }).toHaveP95Below(10)).toThrowError(
      'received: toHaveP95Below expects a LoadReport (from load(), httpLoad() or report.tag()), got {"p95":3}',
    )
  })
})

describe('.toHavePercentileBelow: one strictness rule, drops, limits', () => {
  it('passes when the percentile equals the limit: measured at or below the limit passes', () => {
    const report = reportOf(1200)
    expect(report).toHavePercentileBelow(95, report.p95)
    expect(report).toHaveP50Below(report.p50)
    expect(report).toHaveP99Below(report.p99)
    expect(() => expect(report).not.toHaveP95Below(report.p95)).toThrow(/p95 [\d,]+ ms <= [\d,]+ ms/)
  })

  it('counts dropped arrivals above the budget: 45 % dropped fails a p95 budget, and the message says so', () => {
    // 220 arrivals served in 1-220 ms, 180 dropped (the open model's limit in flight was reached).
    const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0, model: 'open' })
    for (let i = 0; i < 400; i++) {
      if (i % 20 < 9) recorder.drop((i * 2_000) / 400)
      else recorder.record({ startMs: (i * 2_000) / 400, latencyMs: 1 + (i % 20) })
    }
    const report = recorder.finish(2_000)
    expect(() => expect(report).toHaveP95Below(500)).toThrow(
      /p95 unbounded > 500 ms over 400 requests .*\n180 of 400 arrivals dropped \(counted above the budget\)/,
    )
    expect(report).not.toHaveP95Below(500)
    // p50 over the 400 arrivals is the p90.9 of the 220 latencies: within the budget, drops stated.
    expect(report).toHaveP50Below(500)
    expect(() => expect(report).not.toHaveP50Below(500)).toThrow(
      /p50 [\d.]+ ms <= 500 ms over 400 requests \(floor 10, .*\n180 of 400 arrivals dropped/,
    )
  })

  it('rejects a limit that is not a finite number of ms, and bad minSamples, naming them', () => {
    const report = reportOf(100)
    for (const limit of [undefined, Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      expect(() => expect(report).toHaveP50Below(limit as never), String(limit)).toThrow(
        /^limitMs: expected a number of ms >= 0/,
      )
    }
    for (const minSamples of [0, -1, 1.5, Number.NaN]) {
      expect(() => expect(report).toHaveP50Below(500, { minSamples }), String(minSamples)).toThrow(
        /^options\.minSamples: expected an integer >= 1 \(samples\)/,
      )
    }
  })
})

describe('.not.toHavePercentileBelow', () => {
  it('passes when the percentile is at or above the limit', () => {
    expect(reportOf(1200)).not.toHavePercentileBelow(95, 500)
    expect(reportOf(1200)).not.toHaveP50Below(600)
  })

  it('fails when the percentile is below the limit', () => {
    expect(() => expect(reportOf(1200)).not.toHaveP95Below(2000)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).not.toHaveP95Below(2000)

      p95 1,141 ms <= 2,000 ms over 1,200 requests (floor 20, window 0.0-10.0 s, seed 42), expected p95 > 2,000 ms]
    `)
  })
})

// The sugar: each is toHavePercentileBelow at its percentile, with that percentile's floor.
for (const [matcher, percentile, floor] of [
  ['toHaveP50Below', 50, 10],
  ['toHaveP95Below', 95, 20],
  ['toHaveP99Below', 99, 100],
] as const) {
  const judge = (report: LoadReport, limitMs: number, not = false) =>
    (not ? expect(report).not : expect(report))[matcher](limitMs)

  describe(`.${matcher}`, () => {
    it('passes at or below the limit, fails above it with the percentile, the samples and the floor', () => {
      const report = reportOf(1200)
      const measured = report.percentile(percentile)
      judge(report, measured)
      expect(() => judge(report, Math.floor(measured / 2))).toThrowError(
        new RegExp(
          `^expect\\(report\\)\\.${matcher}\\(${Math.floor(measured / 2)}\\)\\n\\np${percentile} [\\d,]+ ms > [\\d,]+ ms over 1,200 requests \\(floor ${floor}, window 0\\.0-10\\.0 s, seed 42\\)`,
        ),
      )
    })

    it(`refuses fewer than ${floor} latencies`, () => {
      expect(() => judge(reportOf(floor - 1), 10_000)).toThrowError(
        `p${percentile} needs at least ${floor} requests with a latency to judge`,
      )
    })
  })

  describe(`.not.${matcher}`, () => {
    it('passes above the limit, fails at or below it saying what was expected', () => {
      const report = reportOf(1200)
      const measured = report.percentile(percentile)
      judge(report, Math.floor(measured / 2), true)
      expect(() => judge(report, measured, true)).toThrowError(
        new RegExp(
          `\\np${percentile} [\\d,]+ ms <= [\\d,]+ ms over 1,200 requests .*, expected p${percentile} > `,
        ),
      )
    })
  })
}

describe('types', () => {
  it('are merged into Vitest’s expect, and wrong arguments do not compile', () => {
    const report = reportOf(100)
    // @ts-expect-error a limit is a number of ms, not a string
    expect(() => expect(report).toHaveP95Below('500')).toThrowError('limitMs: expected a number of ms >= 0')
    // @ts-expect-error toMeetSLO lines are known keys
    expect(() => expect(report).toMeetSLO({ p98: 1 })).toThrowError('slo.p98: expected an SLO line')
  })
})

import { setTimeout as sleep } from 'node:timers/promises'
import { LoadRecorder, type LoadReport, load } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { faultlineMatchers } from './index.js'

expect.extend(faultlineMatchers)

// `n` calls over 10 s, `errors` of them failing (two thirds ECONNRESET, the rest HTTP 503).
function reportOf(n: number, errors: number): LoadReport {
  const recorder = new LoadRecorder({ unit: 'calls', seed: 7, startedAt: 0 })
  for (let i = 0; i < n; i++) {
    const error = i < errors ? (i % 3 === 2 ? 'HTTP 503' : 'ECONNRESET') : undefined
    recorder.record({ startMs: (i * 10_000) / n, latencyMs: 5, ...(error ? { error } : {}) })
  }
  return recorder.finish(10_000)
}

describe('.toHaveErrorRateBelow', () => {
  it('passes when the error rate is below the limit', () => {
    expect(reportOf(1000, 9)).toHaveErrorRateBelow(0.01)
    expect(reportOf(100, 0)).toHaveErrorRateBelow(0.01)
  })

  it('fails when the error rate reaches the limit, with the kinds of errors', () => {
    expect(() => expect(reportOf(1200, 30)).toHaveErrorRateBelow(0.01)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).toHaveErrorRateBelow(0.01)

      error rate 2.5 % > 1 %: 30 errors in 1,200 calls (floor 100, window 0.0-10.0 s, seed 7)
      Hint: errors by kind: ECONNRESET 20, HTTP 503 10]
    `)
  })

  it('refuses to judge fewer calls than one error needs to fit in the limit', () => {
    expect(() => expect(reportOf(50, 0)).toHaveErrorRateBelow(0.01)).toThrowErrorMatchingInlineSnapshot(
      `[FaultlineError: an error rate of 0.01 needs at least 100 calls to judge (enough that one error fits within the limit); the report has 50 (window 0.0-10.0 s, seed 7). Run the load longer, or pass { minSamples } to judge anyway.]`,
    )
  })

  it('rejects a limit outside 0-1, naming it', () => {
    expect(() => expect(reportOf(100, 0)).toHaveErrorRateBelow(5)).toThrowError(
      'limit: expected a ratio >= 0 and < 1 (0.01 is 1 %; 1 would pass any run), got 5',
    )
  })
})

describe('.toHaveErrorRateBelow: one strictness rule, drops, floors', () => {
  it('passes at the limit: toHaveErrorRateBelow(0) passes with no error', () => {
    expect(reportOf(100, 0)).toHaveErrorRateBelow(0)
    expect(reportOf(1000, 10)).toHaveErrorRateBelow(0.01)
    expect(() => expect(reportOf(1000, 11)).toHaveErrorRateBelow(0.01)).toThrow(/error rate 1\.1 % > 1 %/)
  })

  it('refuses to judge a limit of 0 on a handful of calls', () => {
    expect(() => expect(reportOf(1, 0)).toHaveErrorRateBelow(0)).toThrow(
      /^an error rate of 0 needs at least 100 calls to judge \(zero errors in fewer calls says little\); the report has 1/,
    )
  })

  it('counts dropped arrivals as errors: 180 of 400 dropped is a 45 % error rate', () => {
    const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0, model: 'open' })
    for (let i = 0; i < 400; i++) {
      if (i % 20 < 9) recorder.drop((i * 2_000) / 400)
      else recorder.record({ startMs: (i * 2_000) / 400, latencyMs: 3 })
    }
    const report = recorder.finish(2_000)
    expect(() => expect(report).toHaveErrorRateBelow(0.01)).toThrow(
      /^expect\(report\)\.toHaveErrorRateBelow\(0\.01\)\n\nerror rate 45 % > 1 %: 180 errors in 400 requests .*\n180 of 400 arrivals dropped \(counted as errors\)/,
    )
  })

  it('says how many calls overran their timeout when the task ignored its signal', async () => {
    // A task that ignores its abort signal, as pg and ioredis do: each call runs 150 ms past a 50 ms timeout.
    const report = await load(() => sleep(200), { concurrency: 4, count: 20, timeout: 50, seed: 9 })
    expect(() => expect(report).toHaveErrorRateBelow(0.05)).toThrow(
      /^expect\(report\)\.toHaveErrorRateBelow\(0\.05\)\n\nerror rate 100 % > 5 %: 20 errors in 20 calls \(floor 20, [^)]*\)\n20 calls overran their 50 ms timeout by up to [\d.,]+ ms \(the task ignored its abort signal and kept its slot\)\nHint: errors by kind: timeout 20$/,
    )
  })

  it('rejects a limit that cannot fail or is not a ratio, naming it', () => {
    for (const limit of [undefined, Number.NaN, 1, -0.1]) {
      expect(() => expect(reportOf(100, 0)).toHaveErrorRateBelow(limit as never), String(limit)).toThrow(
        /^limit: expected a ratio >= 0 and < 1/,
      )
    }
  })
})

describe('.not.toHaveErrorRateBelow', () => {
  it('passes when the error rate is at or above the limit', () => {
    expect(reportOf(1000, 100)).not.toHaveErrorRateBelow(0.05)
  })

  it('fails when the error rate is below the limit', () => {
    expect(() =>
      expect(reportOf(1000, 3)).not.toHaveErrorRateBelow(0.01),
    ).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).not.toHaveErrorRateBelow(0.01)

      error rate 0.3 % <= 1 %: 3 errors in 1,000 calls (floor 100, window 0.0-10.0 s, seed 7), expected > 1 %]
    `)
  })
})

describe('.toHaveErrorRateBelow on a window', () => {
  it('names the window it judged', () => {
    const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0 })
    for (let i = 0; i < 3000; i++) {
      const down = i >= 1000 && i < 2000
      recorder.record({
        startMs: i * 10,
        latencyMs: 5,
        ...(down && i % 10 === 0 ? { error: 'HTTP 503' } : {}),
      })
    }
    const report = recorder.finish(30_000)
    expect(report.window(0, 10_000)).toHaveErrorRateBelow(0.01)
    expect(() =>
      expect(report.window(10_000, 20_000)).toHaveErrorRateBelow(0.01),
    ).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(report).toHaveErrorRateBelow(0.01)

      error rate 10 % > 1 %: 100 errors in 1,000 requests (floor 100, window 10.0-20.0 s, seed 42)
      Hint: errors by kind: HTTP 503 100]
    `)
  })
})

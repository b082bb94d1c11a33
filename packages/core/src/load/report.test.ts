import { describe, expect, it } from 'vitest'
import { Timeline } from '../timeline.js'
import { LoadRecorder } from './recorder.js'
import { isLoadReport, LoadReport } from './report.js'

// A report from known samples: 1,000 calls over 10 s, latencies 1..1,000 ms, every 50th one failing,
// every 4th tagged "login", and 5 dropped arrivals in the last second.
function knownReport(): LoadReport {
  const recorder = new LoadRecorder({
    name: 'checkout',
    seed: 42,
    startedAt: 0,
    unit: 'calls',
    model: 'open',
  })
  for (let i = 0; i < 1000; i++) {
    recorder.record({
      startMs: i * 10,
      latencyMs: i + 1,
      ...(i % 50 === 49 ? { error: i % 100 === 99 ? 'HTTP 503' : 'ECONNRESET' } : {}),
      tag: i % 4 === 0 ? 'login' : 'read',
    })
  }
  for (let i = 0; i < 5; i++) recorder.drop(9500, 'read')
  recorder.lag(0.1)
  recorder.lag(0.4)
  return recorder.finish(10_000)
}

// Percentiles come from HdrHistogram: the top of the value's bucket, never below it and within 0.1 %.
const within = (expected: number, precision = 0.001) => ({
  asymmetricMatch: (n: number) => n >= expected && n <= expected * (1 + precision),
  toString: () => `within ${precision * 100} % above ${expected}`,
})

describe('LoadReport', () => {
  it('reports counts, rates and percentiles', () => {
    const r = knownReport()
    expect(isLoadReport(r)).toBe(true)
    expect(isLoadReport({})).toBe(false)
    // The 5 drops are failures: in count, errors and the error rate, but not in the latencies.
    expect([r.count, r.ok, r.errors, r.dropped, r.completed]).toEqual([1005, 980, 25, 5, 1000])
    expect(r.latency.count).toBe(1000)
    expect(r.errorRate).toBe(25 / 1005)
    expect(r.throughput).toBe(100)
    expect(r.errorsByKind).toEqual({ ECONNRESET: 10, 'HTTP 503': 10, dropped: 5 })
    expect(r.p50).toEqual(within(500))
    expect(r.p95).toEqual(within(950))
    expect(r.p99).toEqual(within(990))
    expect(r.percentile(99.9)).toEqual(within(999))
    expect([r.min, r.max, r.mean]).toEqual([1, 1000, 500.5])
    expect(r.tag('login').count).toBe(250)
    expect(r.tag('read').dropped).toBe(5)
    expect(r.schedulingLag?.max).toBe(0.4)
  })

  it('has one series point per interval, by intended start', () => {
    const r = knownReport()
    expect(r.series).toHaveLength(10)
    expect(r.series[0]).toEqual({
      startMs: 0,
      endMs: 1000,
      count: 100,
      ok: 98,
      errors: 2,
      dropped: 0,
      throughput: 100,
      mean: 50.5,
      // The series keeps 2 significant digits: within 1 %.
      p50: within(50, 0.01),
      p95: within(95, 0.01),
      p99: within(99, 0.01),
      max: 100,
    })
    expect(r.series[9]?.dropped).toBe(5)
    expect(r.tag('login').series[0]?.count).toBe(25)
  })

  it('survives JSON, tags and histograms included', () => {
    const r = knownReport()
    const json = JSON.parse(JSON.stringify(r))
    expect(json.latency.p95).toEqual(within(950))
    expect(json.tags.login.count).toBe(250)
    const again = LoadReport.fromJSON(json)
    expect(again.toJSON()).toEqual(r.toJSON())
    expect(again.percentile(97.5)).toBe(r.percentile(97.5))
    expect(again.tag('read').errorsByKind).toEqual(r.tag('read').errorsByKind)
  })

  it('prints a plain-text summary', () => {
    expect(knownReport().summary()).toMatchInlineSnapshot(`
      "load "checkout" (open model, function) 10.0 s, seed 42
        1,005 calls  100/s  errors 25 (2.49 %)  5 of 1,005 arrivals dropped
        latency  min 1 ms  p50 500 ms  p95 950 ms  p99 990 ms  p99.9 999 ms  max 1,000 ms  mean 501 ms
        errors   ECONNRESET 10, HTTP 503 10, dropped 5
        schedule lag  p50 0.1 ms  p99 0.4 ms  max 0.4 ms
        [login]  250 calls  25/s  errors 0 (0 %)
        [login]  latency  min 1 ms  p50 497 ms  p95 949 ms  p99 989 ms  p99.9 997 ms  max 997 ms  mean 499 ms
        [read]  755 calls  75/s  errors 25 (3.31 %)  5 of 755 arrivals dropped
        [read]  latency  min 2 ms  p50 500 ms  p95 951 ms  p99 991 ms  p99.9 1,000 ms  max 1,000 ms  mean 501 ms"
    `)
  })
})

describe('overruns and the load window', () => {
  // Two calls timed out at 50 ms; their tasks ignored the abort and ran on 400 and 1,950 ms more. The
  // load stopped at 2 s; the run waited for the second call until 3 s.
  function overrunReport(): LoadReport {
    const recorder = new LoadRecorder({ startedAt: 0, timeout: 50, model: 'closed' })
    for (let i = 0; i < 200; i++) recorder.record({ startMs: i * 10, latencyMs: 5 })
    recorder.record({ startMs: 100, latencyMs: 50, error: 'timeout', tag: 'slow' })
    recorder.overrun(100, 400, 'slow')
    recorder.record({ startMs: 1000, latencyMs: 50, error: 'timeout', tag: 'slow' })
    recorder.overrun(1000, 1950, 'slow')
    return recorder.finish(3000, { activeMs: 2000 })
  }

  it('counts the calls that ran past their timeout, and says so in the summary', () => {
    const r = overrunReport()
    expect([r.overran, r.overrunMaxMs, r.timeoutMs]).toEqual([2, 1950, 50])
    expect(r.tag('slow').overran).toBe(2)
    expect(r.window(0, 1000).overrunMaxMs).toBe(400)
    expect(r.summary()).toContain(
      'overran  2 calls overran their 50 ms timeout by up to 1,950 ms (the task ignored its signal and kept its slot)',
    )
    const one = new LoadRecorder({ startedAt: 0, unit: 'requests' })
    one.record({ startMs: 0, latencyMs: 10, error: 'timeout' })
    one.overrun(0, 5)
    expect(one.finish(100).summary()).toContain('1 request overran its timeout by up to 5 ms')
  })

  it('measures throughput over the load, not the drain', () => {
    const r = overrunReport()
    expect([r.durationMs, r.activeMs, r.completed]).toEqual([3000, 2000, 202])
    expect(r.throughput).toBe(101)
    expect(r.window(1000, 3000).activeMs).toBe(1000)
    expect(r.window(1000, 3000).throughput).toBe(101)
    expect(r.series.map((p) => p.throughput)).toEqual([101, 101, 0])
    expect(() => new LoadRecorder().finish(100, { activeMs: 200 })).toThrowError(
      'options.activeMs: expected a number of ms from 0 to 100, got 200',
    )
  })

  it('survives JSON', () => {
    const r = overrunReport()
    const again = LoadReport.fromJSON(JSON.parse(JSON.stringify(r)))
    expect(again.toJSON()).toEqual(r.toJSON())
    expect([again.overran, again.overrunMaxMs, again.timeoutMs, again.activeMs]).toEqual([2, 1950, 50, 2000])
    expect(again.tag('slow').overran).toBe(2)
  })
})

describe('LoadRecorder.fail', () => {
  it('counts an error without a latency in the histogram', () => {
    const recorder = new LoadRecorder({ startedAt: 0 })
    recorder.record({ startMs: 0, latencyMs: 10 })
    recorder.fail(5, 'ECONNREFUSED', 'login')
    const report = recorder.finish(1000)
    expect([report.count, report.errors, report.latency.count]).toEqual([2, 1, 1])
    expect(report.errorsByKind).toEqual({ ECONNREFUSED: 1 })
    expect(report.tag('login').errors).toBe(1)
    expect(report.series[0]?.errors).toBe(1)
  })
})

describe('LoadReport.window and faults', () => {
  // 20 s at 100 calls/s; between 10 s and 15 s (a fault) every call fails after 1,000 ms.
  function outageReport(): LoadReport {
    const timeline = new Timeline()
    timeline.start('redis paused', { at: 1_000_010_000, target: 'redis' }).heal(1_000_015_000)
    timeline.start('before the run', { at: 1 }).heal(2)
    const recorder = new LoadRecorder({ startedAt: 1_000_000_000, seed: 42, timeline })
    for (let i = 0; i < 2000; i++) {
      const startMs = i * 10
      const down = startMs >= 10_000 && startMs < 15_000
      recorder.record({ startMs, latencyMs: down ? 1000 : 5, ...(down ? { error: 'ETIMEDOUT' } : {}) })
    }
    return recorder.finish(20_000)
  }

  it('keeps the faults that overlap the run', () => {
    const report = outageReport()
    expect(report.faults.map((f) => f.name)).toEqual(['redis paused'])
    expect(report.summary()).toContain('  fault    redis paused (redis) 10.0-15.0 s')
  })

  it('restricts the report to a window of whole intervals', () => {
    const report = outageReport()
    const outage = report.window(10_000, 15_000)
    expect([outage.windowStartMs, outage.durationMs, outage.count, outage.errorRate]).toEqual([
      10_000, 5000, 500, 1,
    ])
    expect(outage.series).toHaveLength(5)
    expect(outage.p50).toBe(1000)
    expect(report.window(12_500, 13_200).count).toBe(200) // widened to 12.0-14.0 s
    expect(report.window(0, 10_000).errorRate).toBe(0)
    expect(outage.summary()).toMatch(/^load \(closed model, function\) window 10\.0-15\.0 s, seed 42/)
  })

  it('restricts the report to a fault with during()', () => {
    const report = outageReport()
    expect(report.during('redis paused').count).toBe(500)
    expect(report.during('redis paused').errorsByKind).toEqual({ ETIMEDOUT: 500 })
    expect(() => report.during('kafka down')).toThrowError(
      'fault: no fault named "kafka down"; faults are redis paused',
    )
  })

  it('names a bad window', () => {
    expect(() => outageReport().window(5000, 1000)).toThrowError(
      'toMs: expected a number of ms > 5000, got 1000',
    )
    expect(() => outageReport().window(30_000, 40_000)).toThrowError(
      'fromMs: window 30.0-40.0 s is outside the report (0.0-20.0 s)',
    )
    const json = LoadReport.fromJSON(JSON.parse(JSON.stringify(outageReport())))
    expect(json.faults).toHaveLength(1)
    // The JSON keeps the per-interval histograms: a rebuilt report windows like the original.
    expect(json.window(10_000, 15_000).toJSON()).toEqual(outageReport().window(10_000, 15_000).toJSON())
    const { intervals: _, ...older } = JSON.parse(JSON.stringify(outageReport()))
    expect(() => LoadReport.fromJSON(older).window(0, 1000)).toThrowError(/no per-interval histograms/)
  })
})

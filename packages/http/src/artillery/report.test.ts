import { describe, expect, test } from 'vitest'
import { type ArtilleryReportJSON, artilleryReport, hasResponseTimes } from './report.js'

// Two of Artillery's 10 s periods, as its JSON has them (counters only matter here).
const T = 1_800_000_000_000
const json: ArtilleryReportJSON = {
  aggregate: {
    period: T + 10_000,
    counters: {},
    firstCounterAt: T + 4_000,
    lastCounterAt: T + 14_000,
  },
  intermediate: [
    {
      period: String(T + 10_000),
      counters: {
        'http.requests': 4,
        'http.codes.200': 3,
        'http.codes.503': 1,
        'errors.ETIMEDOUT': 1,
        'faultline.response_time.200.30': 3,
        'faultline.response_time.503.5': 1,
      },
    },
    {
      period: String(T),
      counters: {
        'http.requests': 7,
        'http.codes.200': 6,
        'errors.ECONNRESET': 1,
        'faultline.response_time.200.10': 4,
        'faultline.response_time.200.20': 2,
      },
    },
  ],
}

describe('artilleryReport', () => {
  test('outcomes by status and error code, latencies from the counted response times, per period', () => {
    const report = artilleryReport(json, { name: 'orders' })
    expect(report.source).toBe('artillery')
    expect(report.unit).toBe('requests')
    expect(report.intervalMs).toBe(10_000)
    expect(report.count).toBe(12)
    expect(report.ok).toBe(9)
    expect(report.errorsByKind).toEqual({ 'HTTP 503': 1, timeout: 1, ECONNRESET: 1 })
    expect(report.latency.count).toBe(10)
    expect([report.min, report.max]).toEqual([5, 30])
    expect(report.p50).toBeCloseTo(10, 1) // 5, 10 x 4, 20 x 2, 30 x 3: the 5th is 10 (within 0.1 %)
    expect(report.series.map((p) => [p.startMs, p.count])).toEqual([
      [0, 7],
      [10_000, 5],
    ])
  })

  test('the load ran from the first counter to the last: throughput leaves out the rest of the periods', () => {
    const report = artilleryReport(json)
    expect(report.startedAt).toBe(T)
    expect(report.windowStartMs).toBe(4_000)
    expect(report.activeMs).toBe(10_001)
    expect(report.throughput).toBeCloseTo(12 / 10.001, 6)
  })

  test('without the response-time counters, requests count without a latency', () => {
    const plain = {
      ...json,
      intermediate: json.intermediate.map((p) => ({
        ...p,
        counters: Object.fromEntries(Object.entries(p.counters).filter(([n]) => !n.startsWith('faultline.'))),
      })),
    }
    expect(hasResponseTimes(json)).toBe(false) // the aggregate above has no counters at all
    const report = artilleryReport(plain)
    expect(report.count).toBe(12)
    expect(report.errorRate).toBeCloseTo(3 / 12, 9)
    expect(report.latency.count).toBe(0)
  })

  test('refuses what is not an Artillery report, naming the argument', () => {
    expect(() => artilleryReport({ summary: {} })).toThrow(
      'json: expected Artillery\'s JSON report (artillery run --output report.json: { aggregate, intermediate }), got {"summary":{}}',
    )
    expect(() => artilleryReport({ aggregate: { counters: {} }, intermediate: [] })).toThrow(
      'json: Artillery\'s report has no periods ("intermediate" is empty): the run sent nothing',
    )
  })
})

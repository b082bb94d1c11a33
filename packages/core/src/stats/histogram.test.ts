import { describe, expect, it } from 'vitest'
import { isFaultlineError } from '../errors.js'
import { LatencyHistogram } from './histogram.js'
import { minSamplesFor, percentileName } from './percentile.js'

// Exact nearest-rank percentile of a sorted sample: the smallest value with at least p % of samples <= it.
// (The 1e-9 guards against 0.999 * 20,000 = 19,980.000000000004 rounding up to the next rank.)
function exact(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9))
  return sorted[rank - 1]!
}

function histogramOf(values: number[]): LatencyHistogram {
  const h = new LatencyHistogram()
  for (const v of values) h.record(v)
  return h
}

// HdrHistogram keeps 3 significant digits: a percentile is within 0.1 % of the exact value.
function expectWithinHdrPrecision(measured: number, expected: number): void {
  expect(Math.abs(measured - expected)).toBeLessThanOrEqual(expected * 0.001 + 0.001)
}

describe('LatencyHistogram', () => {
  it('gives exact percentiles on a uniform distribution of 1..10,000 ms', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => i + 1)
    const h = histogramOf(values)
    for (const p of [50, 90, 95, 99, 99.9]) expectWithinHdrPrecision(h.percentile(p), exact(values, p))
    expectWithinHdrPrecision(h.percentile(95), 9500)
    expectWithinHdrPrecision(h.percentile(99.9), 9990)
    expect(h.percentile(0)).toBe(1)
    expect(h.percentile(100)).toBe(10_000)
    expect(h.mean).toBe(5000.5)
    expect(h.sd).toBeCloseTo(Math.sqrt((10_000 ** 2 - 1) / 12), 6)
    expect(h.count).toBe(10_000)
  })

  it('is exact to the microsecond below 2 ms', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000) // 0.001 .. 1.000 ms
    const h = histogramOf(values)
    expect(h.percentile(50)).toBe(0.5)
    expect(h.percentile(95)).toBe(0.95)
    expect(h.percentile(99)).toBe(0.99)
    expect(h.percentile(99.9)).toBe(0.999)
  })

  it('returns the value itself for a constant distribution', () => {
    const h = histogramOf(Array.from({ length: 500 }, () => 123.4))
    for (const p of [0, 50, 95, 99, 99.9, 100]) expect(h.percentile(p)).toBe(123.4)
    expect(h.sd).toBeCloseTo(0, 6)
  })

  it('splits a bimodal distribution at the right rank (90 % at 10 ms, 10 % at 1,000 ms)', () => {
    const values = [...Array.from({ length: 900 }, () => 10), ...Array.from({ length: 100 }, () => 1000)]
    const h = histogramOf(values)
    expectWithinHdrPrecision(h.percentile(50), 10)
    expectWithinHdrPrecision(h.percentile(90), 10)
    expect(h.percentile(90.1)).toBe(1000)
    expect(h.percentile(95)).toBe(1000)
    expect(h.mean).toBe(109)
  })

  it('matches exact percentiles of a seeded exponential distribution', () => {
    let s = 1
    const values = Array.from({ length: 20_000 }, () => {
      s = (s * 48271) % 2147483647
      return -Math.log(s / 2147483647) * 50
    })
    const h = histogramOf(values)
    const sorted = [...values].sort((a, b) => a - b)
    for (const p of [50, 95, 99, 99.9]) expectWithinHdrPrecision(h.percentile(p), exact(sorted, p))
  })

  it('adds histograms and survives JSON', () => {
    const a = histogramOf([1, 2, 3])
    a.add(histogramOf([100, 200]))
    const b = LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(a)))
    expect([b.count, b.min, b.max, b.mean]).toEqual([5, 1, 200, 61.2])
    expect(b.percentile(60)).toBe(a.percentile(60))
    b.record(5000)
    expect(b.max).toBe(5000)
  })

  it('is NaN when empty and rejects a percentile outside 0-100 naming the argument', () => {
    const h = new LatencyHistogram()
    expect(h.percentile(50)).toBeNaN()
    expect(h.mean).toBeNaN()
    expect(() => h.percentile(101)).toThrowError('percentile: expected a number from 0 to 100, got 101')
    try {
      h.percentile(-1)
    } catch (error) {
      expect(isFaultlineError(error)).toBe(true)
    }
  })
})

describe('minSamplesFor', () => {
  it('asks for at least one sample above the percentile', () => {
    expect([50, 90, 95, 99, 99.9].map(minSamplesFor)).toEqual([2, 10, 20, 100, 1000])
    expect(percentileName(99.9)).toBe('p99.9')
  })
})

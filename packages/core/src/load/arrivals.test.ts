import { describe, expect, it } from 'vitest'
import { createRandom } from '../random.js'
import {
  type ArrivalRate,
  arrivalSchedule,
  constantRate,
  exponentialRate,
  poissonArrivals,
  rampRate,
  rateDuration,
  ratePhases,
  stepRates,
} from './arrivals.js'

function all(rate: ArrivalRate, untilMs: number, seed = 1): number[] {
  const next = arrivalSchedule(rate, createRandom(seed), untilMs)
  const times: number[] = []
  for (let t = next(); t !== undefined; t = next()) times.push(t)
  return times
}

describe('arrivalSchedule', () => {
  it('spaces a constant rate evenly from time 0', () => {
    const times = all(constantRate(1000), 10)
    expect(times).toHaveLength(10)
    for (const [i, t] of times.entries()) expect(t).toBeCloseTo(i, 9)
  })

  it('gives a ramp the area under its rate (0 -> 200/s over 10 s = 1,000 arrivals), denser at the end', () => {
    const times = all(rampRate(0, 200, 10_000), Number.POSITIVE_INFINITY)
    expect(times).toHaveLength(1000)
    expect(times.filter((t) => t < 5000)).toHaveLength(250)
    expect(times.at(-1)).toBeLessThan(10_000)
  })

  it('ramps down as well', () => {
    expect(all(rampRate(200, 0, 10_000), Number.POSITIVE_INFINITY)).toHaveLength(1000)
  })

  it('holds each step for its duration', () => {
    const times = all(stepRates([10, 100, 0, 50], 1000), Number.POSITIVE_INFINITY)
    expect(times.filter((t) => t < 1000)).toHaveLength(10)
    expect(times.filter((t) => t >= 1000 && t < 2000)).toHaveLength(100)
    expect(times.filter((t) => t >= 2000 && t < 3000)).toHaveLength(0)
    expect(times.filter((t) => t >= 3000)).toHaveLength(50)
    expect(rateDuration(stepRates([1, 2], 500))).toBe(1000)
  })

  it('grows exponentially: 10 -> 1,000/s over 5 s gives the integral of the curve', () => {
    const g = Math.log(100) / 5
    const expected = (10 * (Math.exp(g * 5) - 1)) / g // ≈ 215
    const times = all(exponentialRate(10, 1000, 5000), Number.POSITIVE_INFINITY)
    expect(Math.abs(times.length - expected)).toBeLessThanOrEqual(1)
    expect(times.filter((t) => t >= 4000).length).toBeGreaterThan(times.filter((t) => t < 1000).length * 10)
  })

  it('draws Poisson arrivals from the seed: reproducible, with the mean count of the rate', () => {
    const rate = poissonArrivals(constantRate(1000))
    const a = all(rate, 10_000, 42)
    expect(all(rate, 10_000, 42)).toEqual(a)
    expect(all(rate, 10_000, 43)).not.toEqual(a)
    expect(a.length).toBeGreaterThan(9700) // 10,000 ± 3 sd
    expect(a.length).toBeLessThan(10_300)
    const gaps = a.slice(1).map((t, i) => t - a[i]!)
    expect(gaps.filter((g) => g > 2).length / gaps.length).toBeCloseTo(Math.exp(-2), 1) // P(gap > 2 ms)
  })

  it('chains phases and stops at the end of the window', () => {
    const rate = ratePhases(rampRate(0, 100, 1000), constantRate(100))
    expect(all(rate, 2000)).toHaveLength(150)
    expect(() => ratePhases(constantRate(1), constantRate(2, 100))).toThrowError(
      'rates: only the last phase may be without a duration',
    )
  })

  it('rejects a negative rate, naming the argument', () => {
    expect(() => constantRate(-5)).toThrowError(
      'perSecond: expected a number of arrivals per second >= 0, got -5',
    )
    expect(() => rampRate(0, -1, 1000)).toThrowError(
      'to: expected a number of arrivals per second >= 0, got -1',
    )
    expect(() => exponentialRate(0, 10, 1000)).toThrowError(
      'from: expected a number of arrivals per second > 0, got 0',
    )
    expect(() => stepRates([1, Number.NaN], 100)).toThrowError(
      'rates[1]: expected a number of arrivals per second >= 0, got NaN',
    )
  })
})

import { describe, expect, it } from 'vitest'
import { checkLatency, drawLatency, type LatencyDistribution } from './latency-distribution.js'
import { createRandom } from './random.js'

function draws(latency: LatencyDistribution, n = 20_000, seed = 42): number[] {
  const random = createRandom(seed)
  return Array.from({ length: n }, () => drawLatency(latency, random)).sort((a, b) => a - b)
}
const at = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

describe('drawLatency', () => {
  it('returns a fixed latency as it is', () => {
    expect(drawLatency(120, createRandom(1))).toBe(120)
  })

  it('draws the same latencies for the same seed, others for another', () => {
    const d: LatencyDistribution = { kind: 'lognormal', median: 50, p99: 400 }
    expect(draws(d, 100, 7)).toEqual(draws(d, 100, 7))
    expect(draws(d, 100, 8)).not.toEqual(draws(d, 100, 7))
  })

  it('lognormal: half under the median, 1 % over p99', () => {
    const xs = draws({ kind: 'lognormal', median: 50, p99: 400 })
    expect(at(xs, 0.5)).toBeGreaterThan(45)
    expect(at(xs, 0.5)).toBeLessThan(55)
    expect(at(xs, 0.99)).toBeGreaterThan(340)
    expect(at(xs, 0.99)).toBeLessThan(470)
  })

  it('exponential: its mean; normal: its mean and never below 0; uniform: within its bounds', () => {
    expect(mean(draws({ kind: 'exponential', mean: 100 }))).toBeGreaterThan(95)
    expect(mean(draws({ kind: 'exponential', mean: 100 }))).toBeLessThan(105)
    const normal = draws({ kind: 'normal', mean: 20, sd: 15 })
    expect(normal[0]).toBeGreaterThanOrEqual(0)
    expect(at(normal, 0.5)).toBeGreaterThan(18)
    expect(at(normal, 0.5)).toBeLessThan(22)
    const uniform = draws({ kind: 'uniform', min: 10, max: 30 })
    expect(uniform[0]).toBeGreaterThanOrEqual(10)
    expect(uniform[uniform.length - 1]).toBeLessThanOrEqual(30)
    expect(mean(uniform)).toBeGreaterThan(19)
    expect(mean(uniform)).toBeLessThan(21)
  })

  it('caps at max', () => {
    const xs = draws({ kind: 'exponential', mean: 100, max: 150 })
    expect(xs[xs.length - 1]).toBe(150)
  })
})

describe('checkLatency', () => {
  it('accepts a number of ms or a distribution', () => {
    expect(() => checkLatency(0, 'delay')).not.toThrow()
    expect(() => checkLatency({ kind: 'uniform', min: 5, max: 5 }, 'delay')).not.toThrow()
  })

  it('names the wrong field', () => {
    expect(() => checkLatency(-1, 'delay')).toThrow('delay: expected a number of ms >= 0, got -1')
    expect(() => checkLatency('slow', 'delay')).toThrow(
      /^delay: expected a number of ms or a distribution such as \{ kind: 'lognormal', median: 50, p99: 400 \}, got "slow"/,
    )
    expect(() => checkLatency({ kind: 'gamma' }, 'delay')).toThrow(/^delay\.kind: /)
    expect(() => checkLatency({ kind: 'lognormal', median: 50, p99: 10 }, 'delay')).toThrow(
      'delay.p99: expected a number of ms >= 50, got 10',
    )
    expect(() => checkLatency({ kind: 'uniform', min: 10, max: 5 }, 'delay')).toThrow(
      'delay.max: expected a number of ms >= 10, got 5',
    )
    expect(() => checkLatency({ kind: 'exponential', mean: 0 }, 'delay')).toThrow(
      /^delay\.mean: expected a number of ms > 0/,
    )
  })
})

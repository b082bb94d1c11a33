import { describe, expect, it } from 'vitest'
import { createRandom } from './random.js'

describe('createRandom', () => {
  it('replays the same sequence from the same seed', () => {
    const a = createRandom(42)
    const b = createRandom(42)
    const xs = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs)
    expect(createRandom(43).next()).not.toBe(xs[0])
    expect(a.seed).toBe(42)
  })

  it('is uniform in [0, 1) and its exponential has the asked mean', () => {
    const random = createRandom(7)
    let sum = 0
    let expSum = 0
    const n = 100_000
    for (let i = 0; i < n; i++) {
      const x = random.next()
      expect(x >= 0 && x < 1).toBe(true)
      sum += x
      expSum += random.exponential(10)
    }
    expect(sum / n).toBeCloseTo(0.5, 2)
    expect(expSum / n).toBeGreaterThan(9.8)
    expect(expSum / n).toBeLessThan(10.2)
  })
})

import { describe, expect, it } from 'vitest'
import { now } from './clock.js'

describe('now', () => {
  it('never goes back, over many readings', () => {
    let last = now()
    for (let i = 0; i < 10_000; i++) {
      const t = now()
      expect(t).toBeGreaterThanOrEqual(last)
      last = t
    }
  })

  it('is epoch ms, close to Date.now() (a generous tolerance: the two clocks drift apart slowly)', () => {
    // A minute either way: wrong units or a missing time origin are off by decades, not seconds.
    expect(Math.abs(now() - Date.now())).toBeLessThan(60_000)
  })

  it('has sub-millisecond precision', () => {
    const readings = Array.from({ length: 1_000 }, () => now())
    expect(readings.some((t) => !Number.isInteger(t))).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import { formatCount, formatMs, formatRate, formatRatio, formatSeconds } from './format.js'

describe('format', () => {
  it('formats counts, durations, ratios and rates for messages', () => {
    expect(formatCount(1200)).toBe('1,200')
    expect(formatMs(812.4)).toBe('812 ms')
    expect(formatMs(1234.5)).toBe('1,235 ms')
    expect(formatMs(12.345)).toBe('12.3 ms')
    expect(formatMs(0.25)).toBe('0.25 ms')
    expect(formatRatio(0.0123)).toBe('1.23 %')
    expect(formatRatio(0)).toBe('0 %')
    expect(formatRate(1234.5)).toBe('1,235/s')
    expect(formatRate(12.34)).toBe('12.3/s')
    expect(formatSeconds(12_345)).toBe('12.3')
  })

  it('prints durations below a microsecond as such, not in scientific notation', () => {
    expect(formatMs(1.8e-8)).toBe('< 0.001 ms')
    expect(formatMs(0)).toBe('0 ms')
    expect(formatMs(0.0012345)).toBe('0.00123 ms')
    expect(formatRate(1e-7)).toBe('< 0.001/s')
    expect(formatRatio(1e-9)).toBe('< 0.001 %')
  })
})

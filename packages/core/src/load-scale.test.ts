import { describe, expect, test } from 'vitest'
import { isFaultlineError } from './errors.js'
import { LOAD_SCALE_VARIABLE, loadScale, scaled } from './load-scale.js'

describe('loadScale', () => {
  test('is 1 when the variable is unset or empty', () => {
    expect(loadScale({})).toBe(1)
    expect(loadScale({ [LOAD_SCALE_VARIABLE]: ' ' })).toBe(1)
  })

  test('reads the factor, fractions included', () => {
    expect(loadScale({ [LOAD_SCALE_VARIABLE]: '20' })).toBe(20)
    expect(loadScale({ [LOAD_SCALE_VARIABLE]: '0.5' })).toBe(0.5)
  })

  test.each(['0', '-2', 'twenty', 'Infinity'])('refuses %j, naming the variable and the fix', (value) => {
    let error: unknown
    try {
      loadScale({ [LOAD_SCALE_VARIABLE]: value })
    } catch (caught) {
      error = caught
    }
    expect(isFaultlineError(error)).toBe(true)
    expect((error as Error).message).toBe(
      `FAULTLINE_LOAD_SCALE: expected a number > 0 (the factor every scaled load is multiplied by, e.g. 20), got "${value}"`,
    )
  })
})

describe('scaled', () => {
  test('multiplies and rounds, never below 1', () => {
    expect(scaled(100, {})).toBe(100)
    expect(scaled(100, { [LOAD_SCALE_VARIABLE]: '20' })).toBe(2_000)
    expect(scaled(15, { [LOAD_SCALE_VARIABLE]: '0.1' })).toBe(2)
    expect(scaled(3, { [LOAD_SCALE_VARIABLE]: '0.01' })).toBe(1)
  })

  test('reads process.env by default', () => {
    const before = process.env[LOAD_SCALE_VARIABLE]
    process.env[LOAD_SCALE_VARIABLE] = '3'
    try {
      expect(scaled(10)).toBe(30)
    } finally {
      if (before === undefined) delete process.env[LOAD_SCALE_VARIABLE]
      else process.env[LOAD_SCALE_VARIABLE] = before
    }
  })

  test('refuses a negative count', () => {
    expect(() => scaled(-1, {})).toThrow('count: expected a number >= 0, got -1')
  })
})

import { describe, expect, it } from 'vitest'
import { describeValue } from './describe-value.js'

describe('describeValue', () => {
  it('quotes strings, so "7" and 7 differ and a value with spaces or commas stays one value', () => {
    expect(describeValue('7')).toBe('"7"')
    expect(describeValue('w3-2')).toBe('"w3-2"')
    expect(describeValue('a, b')).toBe('"a, b"')
    expect(describeValue('')).toBe('""')
  })

  it('shows numbers, booleans, null, undefined, bigints and symbols as written', () => {
    expect(describeValue(7)).toBe('7')
    expect(describeValue(-0.5)).toBe('-0.5')
    expect(describeValue(Number.NaN)).toBe('NaN')
    expect(describeValue(true)).toBe('true')
    expect(describeValue(null)).toBe('null')
    expect(describeValue(undefined)).toBe('undefined')
    expect(describeValue(10n)).toBe('10n')
    expect(describeValue(Symbol('x'))).toBe('Symbol(x)')
  })

  it('shows functions by name', () => {
    function complete(): void {}
    expect(describeValue(complete)).toBe('function complete')
    expect(describeValue(Object.defineProperty(() => {}, 'name', { value: '' }))).toBe('a function')
  })

  it('shows arrays and objects as short JSON, cut at 80 characters', () => {
    expect(describeValue({ ms: -1 })).toBe('{"ms":-1}')
    expect(describeValue([1, '2'])).toBe('[1,"2"]')
    const long = describeValue({ text: 'x'.repeat(200) })
    expect(long).toHaveLength(80)
    expect(long.endsWith('...')).toBe(true)
  })

  it('survives a cycle', () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(describeValue(cycle)).toBe('[object Object]')
  })
})

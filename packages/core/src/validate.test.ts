import { describe, expect, it } from 'vitest'
import { FaultlineArgumentError, isFaultlineError } from './errors.js'
import {
  checkFunction,
  checkNumber,
  checkOneOf,
  checkRatio,
  checkSeed,
  describeRule,
  optionalNumber,
} from './validate.js'

function thrown(fn: () => unknown): FaultlineArgumentError {
  try {
    fn()
  } catch (error) {
    if (error instanceof FaultlineArgumentError) return error
    throw error
  }
  throw new Error('expected a throw')
}

describe('describeRule', () => {
  it('reads a rule as the message says it', () => {
    expect(describeRule({})).toBe('a number')
    expect(describeRule({ unit: 'ms', min: 0 })).toBe('a number of ms >= 0')
    expect(describeRule({ unit: 'ms', above: 0 })).toBe('a number of ms > 0')
    expect(describeRule({ integer: true, min: 1 })).toBe('an integer >= 1')
    expect(describeRule({ integer: true, min: 1, unit: 'calls' })).toBe('an integer >= 1 (calls)')
    expect(describeRule({ min: 0, max: 1 })).toBe('a number from 0 to 1')
    expect(describeRule({ below: 100, above: 0 })).toBe('a number > 0 < 100')
  })
})

describe('checkNumber', () => {
  it('returns a number that follows the rule', () => {
    expect(checkNumber(0, 'options.timeout', { unit: 'ms', min: 0 })).toBe(0)
    expect(checkNumber(2.5, 'x', { above: 2, below: 3 })).toBe(2.5)
    expect(checkNumber(7, 'n', { integer: true, min: 7, max: 7 })).toBe(7)
  })

  it('names the argument, what was expected and what was given, in one style', () => {
    const error = thrown(() => checkNumber(-1, 'options.timeout', { unit: 'ms', min: 0 }))
    expect(error.message).toBe('options.timeout: expected a number of ms >= 0, got -1')
    expect(error.argument).toBe('options.timeout')
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(isFaultlineError(error)).toBe(true)
    expect(thrown(() => checkNumber('5', 'options.count', { integer: true, min: 1 })).message).toBe(
      'options.count: expected an integer >= 1, got "5"',
    )
  })

  it('holds every bound, inclusive and exclusive', () => {
    expect(() => checkNumber(0, 'x', { above: 0 })).toThrow('x: expected a number > 0, got 0')
    expect(() => checkNumber(1, 'x', { below: 1 })).toThrow('x: expected a number < 1, got 1')
    expect(() => checkNumber(1.01, 'x', { min: 0, max: 1 })).toThrow(
      'x: expected a number from 0 to 1, got 1.01',
    )
    expect(() => checkNumber(-0.01, 'x', { min: 0, max: 1 })).toThrow('got -0.01')
  })

  it('refuses non-finite numbers and, with integer, fractions and unsafe integers', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => checkNumber(bad, 'x')).toThrow(`x: expected a number, got ${String(bad)}`)
    }
    expect(() => checkNumber(1.5, 'n', { integer: true })).toThrow('n: expected an integer, got 1.5')
    expect(() => checkNumber(2 ** 53, 'n', { integer: true })).toThrow('n: expected an integer')
    expect(() => checkNumber(undefined, 'n')).toThrow('n: expected a number, got undefined')
  })

  it("starts the stack at the callee's caller", () => {
    function userFacing(value: number): number {
      return checkNumber(value, 'value', { min: 0 }, userFacing)
    }
    const stack = thrown(() => userFacing(-1)).stack ?? ''
    expect(stack).not.toMatch(/at userFacing/)
    expect(stack).not.toMatch(/at checkNumber/)
  })
})

describe('optionalNumber', () => {
  it('gives the fallback (or undefined) for undefined, and checks anything else', () => {
    expect(optionalNumber(undefined, 'options.interval', { unit: 'ms', above: 0 }, 1_000)).toBe(1_000)
    expect(optionalNumber(undefined, 'options.interval', { unit: 'ms', above: 0 })).toBeUndefined()
    expect(optionalNumber(5, 'options.interval', { unit: 'ms', above: 0 }, 1_000)).toBe(5)
    expect(() => optionalNumber(0, 'options.interval', { unit: 'ms', above: 0 }, 1_000)).toThrow(
      'options.interval: expected a number of ms > 0, got 0',
    )
    expect(() => optionalNumber(null, 'options.interval', {}, 1)).toThrow('got null')
  })
})

describe('checkRatio, checkSeed, checkOneOf, checkFunction', () => {
  it('checks a share from 0 to 1', () => {
    expect(checkRatio(0, 'rate')).toBe(0)
    expect(checkRatio(1, 'rate')).toBe(1)
    expect(() => checkRatio(1.5, 'options.rate')).toThrow(
      'options.rate: expected a number from 0 to 1, got 1.5',
    )
  })

  it('checks a 32-bit unsigned seed, and lets undefined through', () => {
    expect(checkSeed(undefined, 'options.seed')).toBeUndefined()
    expect(checkSeed(0xffffffff, 'options.seed')).toBe(0xffffffff)
    expect(() => checkSeed(-1, 'options.seed')).toThrow(
      'options.seed: expected an integer from 0 to 4294967295, got -1',
    )
    expect(() => checkSeed(1.5, 'options.seed')).toThrow('got 1.5')
  })

  it('checks a choice, with a fallback for undefined', () => {
    const choices = ['upstream', 'downstream', 'both'] as const
    expect(checkOneOf(undefined, choices, 'options.direction', 'both')).toBe('both')
    expect(checkOneOf('upstream', choices, 'options.direction', 'both')).toBe('upstream')
    expect(() => checkOneOf('up', choices, 'options.direction')).toThrow(
      `options.direction: expected one of 'upstream', 'downstream', 'both', got "up"`,
    )
    expect(() => checkOneOf(undefined, choices, 'options.direction')).toThrow('got undefined')
  })

  it('checks a function, optional or not', () => {
    expect(() => checkFunction(() => {}, 'options.when')).not.toThrow()
    expect(() => checkFunction(undefined, 'options.when', { optional: true })).not.toThrow()
    expect(() => checkFunction(undefined, 'options.when')).toThrow(
      'options.when: expected a function, got undefined',
    )
    expect(() => checkFunction(42, 'options.when', { optional: true })).toThrow(
      'options.when: expected a function, got 42',
    )
  })
})

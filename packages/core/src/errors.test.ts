import { describe, expect, it } from 'vitest'
import { FaultlineArgumentError, FaultlineError, isFaultlineError } from './errors.js'

describe('FaultlineError', () => {
  it('is recognised by its brand and carries a code', () => {
    const error = new FaultlineError('X', 'boom')
    expect(isFaultlineError(error)).toBe(true)
    expect(isFaultlineError(new Error('boom'))).toBe(false)
    expect(error.code).toBe('X')
  })

  it('names the argument in an argument error', () => {
    const error = new FaultlineArgumentError('options.timeout', 'must be a positive number of ms, got -1')
    expect(error.message).toBe('options.timeout: must be a positive number of ms, got -1')
    expect(error.argument).toBe('options.timeout')
    expect(isFaultlineError(error)).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import { errorKind } from './error-kind.js'

describe('errorKind', () => {
  it('files an HTTP failure under its status, as the docs throw it', () => {
    expect(errorKind(new Error('HTTP 500'))).toBe('HTTP 500')
    expect(errorKind(Object.assign(new Error('Service Unavailable'), { status: 503 }))).toBe('HTTP 503')
    expect(errorKind(Object.assign(new Error('nope'), { statusCode: 429 }))).toBe('HTTP 429')
  })

  it('uses the code, else the class name, else Error', () => {
    expect(errorKind(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET')
    expect(errorKind(Object.assign(new Error('x'), { code: 57014 }))).toBe('57014')
    expect(errorKind(new TypeError('x'))).toBe('TypeError')
    expect(errorKind(new Error('HTTP 500 Internal Server Error'))).toBe('Error')
    expect(errorKind(Object.assign(new Error('x'), { status: 'bad' }))).toBe('Error')
    expect(errorKind(Object.assign(new Error('x'), { status: 42 }))).toBe('Error')
    expect(errorKind(new DOMException('aborted', 'AbortError'))).toBe('AbortError')
    expect(errorKind('timeout')).toBe('timeout')
    expect(errorKind(undefined)).toBe('Error')
  })
})

import { describe, expect, it } from 'vitest'
import { formatEndpoint, isLoopback, parseEndpoint } from './address.js'

describe('parseEndpoint', () => {
  it('reads host:port, IPv6 in brackets', () => {
    expect(parseEndpoint('localhost:6379', 'upstream')).toEqual({ host: 'localhost', port: 6379 })
    expect(parseEndpoint(' 10.0.0.7:5432 ', 'upstream')).toEqual({ host: '10.0.0.7', port: 5432 })
    expect(parseEndpoint('[::1]:5672', 'upstream')).toEqual({ host: '::1', port: 5672 })
  })

  it.each([
    [undefined, /got undefined/],
    ['', /got ""/],
    [6379, /got 6379/],
    ['localhost', /port from 1 to 65535/],
    ['localhost:0', /port from 1 to 65535/],
    ['localhost:65536', /port from 1 to 65535/],
    ['::1:5432', /IPv6 as "\[::1\]:5432"/],
  ])('names the argument and the fix for %j', (value, message) => {
    expect(() => parseEndpoint(value, 'options.upstream')).toThrow(message)
    expect(() => parseEndpoint(value, 'options.upstream')).toThrow(/^options.upstream: /)
  })
})

describe('formatEndpoint and isLoopback', () => {
  it('round-trips and tells loopback apart', () => {
    expect(formatEndpoint({ host: '::1', port: 1 })).toBe('[::1]:1')
    expect(formatEndpoint({ host: '127.0.0.1', port: 2 })).toBe('127.0.0.1:2')
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true)
    expect(['0.0.0.0', '10.0.0.1', '::'].some(isLoopback)).toBe(false)
  })
})

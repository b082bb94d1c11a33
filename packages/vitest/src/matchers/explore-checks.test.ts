import { describe, expect, test } from 'vitest'
import { atomicity } from './explore-atomicity.js'
import { noMessageLost } from './explore-messages.js'

describe('exploration checks', () => {
  test('atomicity names what it needs: the tables or the keys the operation writes', () => {
    expect(() => atomicity({})).toThrow(
      /options.tables: expected the tables .* or the keys .*, got undefined/,
    )
    expect(() => atomicity({ tables: [] })).toThrow(/options.tables: expected the tables/)
    expect(() => atomicity({ keys: ['stock', ''] })).toThrow(
      /options.keys: expected the tables .* or the keys/,
    )
    expect(atomicity({ tables: ['orders'] }).name).toBe('atomicity')
    expect(atomicity({ keys: ['stock'] }).name).toBe('atomicity')
  })

  test('noMessageLost names the queues it needs and checks its budget', () => {
    expect(() => noMessageLost({ queues: [] })).toThrow(
      /options.queues: expected the queues a message may rest in/,
    )
    expect(() => noMessageLost({ queues: ['orders'], within: -1 })).toThrow(/options.within: expected/)
    expect(noMessageLost({ queues: ['orders', 'processed'] }).name).toBe('no message lost')
  })
})

import { describe, expect, test } from 'vitest'
import { describePoint, type ExplorePoint, messageText, parsePointId, pointId, shortText } from './points.js'

const point = (fault: ExplorePoint['fault'], text: string): ExplorePoint => ({
  id: pointId(fault, 'Q', 2),
  fault,
  message: { index: 7, kind: 'Q', occurrence: 2, text },
  total: 12,
})

describe('points', () => {
  test('a point reads in words: where the fault falls and what the server got', () => {
    const insert = 'query INSERT INTO order_items (order_id, sku, qty) VALUES ($1, $2, $3)'
    expect(describePoint(point('inFlight', insert))).toBe(
      'cut after the server received `query INSERT INTO order_items (order_id, …` (message 7 of 12), before its answer',
    )
    expect(describePoint(point('cut', 'query COMMIT'))).toBe(
      'cut before `query COMMIT` (message 7 of 12) reached the server',
    )
    expect(describePoint(point('reset', 'query COMMIT'))).toBe(
      'reset (RST both ways) before `query COMMIT` (message 7 of 12) reached the server',
    )
    expect(describePoint(point('delay', 'query COMMIT'), 1500)).toBe(
      'answers held 1500 ms from `query COMMIT` (message 7 of 12) on',
    )
  })

  test('ids name the fault, the message kind and its position, and read back', () => {
    expect(pointId('inFlight', 'basic.ack', 1)).toBe('inFlight@basic.ack#1')
    expect(parsePointId('inFlight@basic.ack#1')).toEqual({
      fault: 'inFlight',
      kind: 'basic.ack',
      occurrence: 1,
    })
    expect(parsePointId('cut@Q#0')).toBeUndefined()
    expect(parsePointId('explode@Q#1')).toBeUndefined()
    expect(parsePointId('Q#1')).toBeUndefined()
  })

  test('messages in words, SQL on one line', () => {
    expect(messageText({ protocol: 'postgres', type: 'Q', start: 0, end: 10, sql: 'SELECT\n  1' })).toBe(
      'query SELECT 1',
    )
    expect(messageText({ protocol: 'postgres', type: 'X', start: 0, end: 5 })).toBe('terminate')
    expect(messageText({ protocol: 'redis', command: 'SET', args: ['stock', '9'], start: 0, end: 5 })).toBe(
      'SET stock 9',
    )
    expect(shortText('a'.repeat(50))).toBe(`${'a'.repeat(40)} …`)
  })
})

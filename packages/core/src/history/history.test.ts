import { describe, expect, it } from 'vitest'
import { checkHistory } from './check.js'
import { classifyError, History } from './history.js'

describe('History', () => {
  it('records outcomes from promises and classifies errors', async () => {
    const history = new History<number>()
    await history.record(1, async () => 'done')
    await expect(history.record(2, async () => Promise.reject(new Error('duplicate key')))).rejects.toThrow()
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    await expect(history.record(3, async () => Promise.reject(reset))).rejects.toThrow()
    history.invoke(4)
    expect(history.counts()).toEqual({ pending: 1, ok: 1, fail: 1, indeterminate: 1 })
    expect(history.operations.map((op) => op.outcome)).toEqual(['ok', 'fail', 'indeterminate', 'pending'])
  })

  it('takes a process, or { process, id }, and names a bad one', async () => {
    const h = new History<number>()
    h.invoke(1, 'writer-1')
    h.invoke(2, { process: 3, id: 'w2' })
    await h.record(3, async () => 'done', { id: 7 })
    expect(h.operations.map(({ process, id }) => ({ process, id }))).toEqual([
      { process: 'writer-1', id: undefined },
      { process: 3, id: 'w2' },
      { process: undefined, id: 7 },
    ])
    // @ts-expect-error: an id is a string or a number
    expect(() => h.invoke(4, { id: { order: 4 } })).toThrow(
      /^options\.id: expected a string or a number \(e\.g\. { id: .order-7. }\), got {"order":4}$/,
    )
  })

  it('ends an operation once', () => {
    const op = new History<string>().invoke('a')
    op.ok()
    expect(() => op.fail()).toThrow('operation: operation #0 already ended as ok; an operation ends once')
  })

  it('treats broken connections as indeterminate and server answers as failures', () => {
    expect(classifyError(Object.assign(new Error('x'), { code: '08006' }))).toBe('indeterminate')
    expect(classifyError(Object.assign(new Error('x'), { code: '57P01' }))).toBe('indeterminate')
    expect(classifyError(new Error('Connection terminated unexpectedly'))).toBe('indeterminate')
    expect(classifyError(Object.assign(new Error('dup'), { code: '23505' }))).toBe('fail')
  })
})

describe('checkHistory', () => {
  function history(ok: number[], fail: number[] = [], indeterminate: number[] = []) {
    const h = new History<number>()
    for (const v of ok) h.invoke(v).ok()
    for (const v of fail) h.invoke(v).fail()
    for (const v of indeterminate) h.invoke(v).indeterminate()
    return h
  }

  it('is valid when every acknowledged write is read back once', () => {
    const result = checkHistory(history([1, 2, 3], [4], [5, 6]), [1, 2, 3, 5])
    expect(result.valid).toBe(true)
    expect(result.recovered).toEqual([5])
    expect(result.absentIndeterminate).toEqual([6])
  })

  it('finds lost, unexpected, duplicated and lying failures', () => {
    const result = checkHistory(history([1, 2, 3], [4]), [1, 1, 3, 4, 9])
    expect(result.valid).toBe(false)
    expect(result.lost).toEqual([2])
    expect(result.unexpected).toEqual([9])
    expect(result.duplicated).toEqual([{ value: 1, times: 2, atMost: 1 }])
    expect(result.failedButPresent).toEqual([4])
    expect(result.counts).toEqual({
      ok: 3,
      fail: 1,
      indeterminate: 0,
      pending: 0,
      writes: 4,
      acknowledged: 3,
      read: 5,
    })
  })

  it('names a bad final read', () => {
    // @ts-expect-error: not iterable
    expect(() => checkHistory(new History<number>(), 42)).toThrow(/^finalRead: must be an iterable/)
  })
})

describe('checkHistory, per operation', () => {
  const serialization = Object.assign(new Error('could not serialize access'), { code: '40001' })

  it('accepts an idempotent retry: a write that failed with 40001, then succeeded with the same value', () => {
    const h = new History<number>()
    h.invoke(1).ok()
    h.invoke(2).fail(serialization)
    h.invoke(2).ok() // the retry
    const result = checkHistory(h, [1, 2])
    expect(result.failedButPresent).toEqual([])
    expect(result.valid).toBe(true)
  })

  it('reports a failure that lied only when every attempt of the value failed definitively', () => {
    const h = new History<number>()
    h.invoke(1).ok()
    h.invoke(2).fail(serialization)
    h.invoke(2).fail(serialization)
    const result = checkHistory(h, [1, 2])
    expect(result.failedButPresent).toEqual([2])
    expect(result.valid).toBe(false)
  })

  it('explains a value by an indeterminate attempt, whatever the other attempts said', () => {
    const h = new History<number>()
    h.invoke(1).fail(serialization)
    h.invoke(1).indeterminate(new Error('connection reset'))
    h.invoke(2).ok()
    const result = checkHistory(h, [1, 2])
    expect(result.valid).toBe(true)
    expect(result.recovered).toEqual([1])
  })

  it('counts losses against acknowledged writes: two acknowledged writes of one value read once lose one', () => {
    const h = new History<string>()
    h.invoke('+10').ok() // two deposits of the same amount: two rows expected
    h.invoke('+10').ok()
    const result = checkHistory(h, ['+10'])
    expect(result.lost).toEqual(['+10'])
    expect(result.valid).toBe(false)
    expect(checkHistory(h, ['+10', '+10']).valid).toBe(true)
  })

  it('counts duplicates against attempts: a value written by two attempts may be read twice', () => {
    const h = new History<number>()
    h.invoke(1).indeterminate(new Error('connection reset'))
    h.invoke(1).ok() // a separate write of the same value (no shared id)
    expect(checkHistory(h, [1, 1]).duplicated).toEqual([])
    expect(checkHistory(h, [1, 1, 1]).duplicated).toEqual([{ value: 1, times: 3, atMost: 2 }])
  })

  it('treats attempts sharing an id as one write: present once, at most once', () => {
    const h = new History<string>()
    // a message processed, its ack lost, redelivered and processed again by an idempotent consumer
    h.invoke('m1', { id: 'm1' }).ok()
    h.invoke('m1', { id: 'm1' }).ok()
    h.invoke('m2', { id: 'm2' }).indeterminate(new Error('channel closed'))
    h.invoke('m2', { id: 'm2' }).ok()
    const once = checkHistory(h, ['m1', 'm2'])
    expect(once.valid).toBe(true)
    expect(once.counts).toMatchObject({ writes: 2, acknowledged: 2, ok: 3, indeterminate: 1 })
    const twice = checkHistory(h, ['m1', 'm2', 'm1'])
    expect(twice.duplicated).toEqual([{ value: 'm1', times: 2, atMost: 1 }])
    expect(checkHistory(h, ['m2']).lost).toEqual(['m1'])
  })

  it('refuses one id used for two values', () => {
    const h = new History<number>()
    h.invoke(1, { id: 'a' }).ok()
    h.invoke(2, { id: 'a' }).ok()
    expect(() => checkHistory(h, [1, 2])).toThrow(
      /^history: operation #1 writes 2 under id "a", which operation #0 used for 1/,
    )
  })
})

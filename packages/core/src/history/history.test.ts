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
    expect(result.duplicated).toEqual([{ value: 1, times: 2 }])
    expect(result.failedButPresent).toEqual([4])
    expect(result.counts).toEqual({ ok: 3, fail: 1, indeterminate: 0, pending: 0, read: 5 })
  })

  it('names a bad final read', () => {
    // @ts-expect-error: not iterable
    expect(() => checkHistory(new History<number>(), 42)).toThrow(/^finalRead: must be an iterable/)
  })
})

import { History } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { toHaveNoDuplicates } from './to-have-no-duplicates.js'
import { toHaveNoLostWrites } from './to-have-no-lost-writes.js'

expect.extend({ toHaveNoLostWrites, toHaveNoDuplicates })

function history(ok: number[], indeterminate: number[] = []) {
  const h = new History<number>()
  for (const v of ok) h.invoke(v).ok()
  for (const v of indeterminate) h.invoke(v).indeterminate(new Error('connection reset'))
  return h
}

describe('.toHaveNoLostWrites', () => {
  it('passes when every acknowledged write is read back (indeterminate ones may be missing)', () => {
    expect(history([1, 2, 3], [4, 5])).toHaveNoLostWrites([1, 2, 3, 4])
  })

  it('fails when an acknowledged write is missing, listing it and the history', () => {
    expect(() =>
      expect(history([1, 2, 3], [4])).toHaveNoLostWrites([1, 3]),
    ).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(history).toHaveNoLostWrites(finalRead)

      1 of 3 acknowledged writes lost (missing from the final read): 2
      history: 3 ok, 0 fail, 1 indeterminate (0 present, 1 absent), 0 pending; final read 2 values
      Hint: an acknowledged write must survive: acknowledge only after COMMIT / the publisher confirm, and make it durable (persistent messages, durable queues)]
    `)
  })

  it('.not fails when nothing is lost', () => {
    expect(() => expect(history([1])).not.toHaveNoLostWrites([1])).toThrow(
      /expect\(history\)\.not\.toHaveNoLostWrites\(finalRead\)\n\nall 1 acknowledged writes are in the final read/,
    )
  })

  it('refuses to judge a history with nothing acknowledged', () => {
    expect(() => expect(history([], [1])).toHaveNoLostWrites([])).toThrow(
      /refuses to judge a history with no acknowledged write/,
    )
  })

  it('names what it got instead of a history', () => {
    expect(() => expect([1, 2]).toHaveNoLostWrites([1])).toThrow(
      /expects a History from @faultline\/core .*got Array/,
    )
  })
})

describe('.toHaveNoDuplicates', () => {
  it('passes when every value is read once', () => {
    expect(history([1, 2])).toHaveNoDuplicates([2, 1])
  })

  it('fails on a value read twice and on one never written', () => {
    expect(() =>
      expect(history([1, 2])).toHaveNoDuplicates([1, 2, 2, 7]),
    ).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(history).toHaveNoDuplicates(finalRead)

      1 values read more than once: 2 x2
      1 values read that no write attempted: 7
      history: 2 ok, 0 fail, 0 indeterminate, 0 pending; final read 4 values
      Hint: retries need an idempotency key (a unique id per logical write, ON CONFLICT DO NOTHING / message ids)]
    `)
  })
})

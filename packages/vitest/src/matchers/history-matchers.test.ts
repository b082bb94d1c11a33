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
      /^toHaveNoLostWrites needs at least 1 acknowledged write to judge \(with none it would prove nothing\); the history has 0 \(/,
    )
  })

  it('passes an idempotent retry: failed with 40001, retried with the same value, then acknowledged', () => {
    const h = new History<number>()
    h.invoke(1).ok()
    h.invoke(2).fail(Object.assign(new Error('could not serialize access'), { code: '40001' }))
    h.invoke(2).ok()
    expect(h).toHaveNoLostWrites([1, 2])
  })

  it('fails two acknowledged writes of one value read once: one of them is lost', () => {
    const h = new History<string>()
    h.invoke('+10').ok()
    h.invoke('+10').ok()
    expect(() => expect(h).toHaveNoLostWrites(['+10'])).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(history).toHaveNoLostWrites(finalRead)

      1 of 2 acknowledged writes lost (missing from the final read): "+10" (read 1, acknowledged 2)
      history: 2 ok, 0 fail, 0 indeterminate, 0 pending; final read 1 values
      Hint: an acknowledged write must survive: acknowledge only after COMMIT / the publisher confirm, and make it durable (persistent messages, durable queues)]
    `)
  })

  it('with retries, counts writes and attempts apart', () => {
    const h = new History<number>()
    h.invoke(1, { id: 1 }).ok()
    h.invoke(2, { id: 2 }).fail(new Error('could not serialize access'))
    h.invoke(2, { id: 2 }).ok()
    h.invoke(3, { id: 3 }).indeterminate(new Error('connection reset'))
    h.invoke(3, { id: 3 }).indeterminate(new Error('connection reset'))
    expect(() => expect(h).toHaveNoLostWrites([1, 3])).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(history).toHaveNoLostWrites(finalRead)

      1 of 2 acknowledged writes lost (missing from the final read): 2
      history: 3 writes in 5 attempts (2 ok, 1 fail, 2 indeterminate, 0 pending): 2 acknowledged, 1 indeterminate (1 present, 0 absent), 0 failed, 0 pending; final read 2 values
      Hint: an acknowledged write must survive: acknowledge only after COMMIT / the publisher confirm, and make it durable (persistent messages, durable queues)]
    `)
  })

  it('fails a value present although every attempt failed, with a hint about that, not about durability', () => {
    const h = new History<string>()
    h.invoke('a').ok()
    h.invoke('b', { id: 'b' }).fail(new Error('timeout'))
    h.invoke('b', { id: 'b' }).fail(new Error('timeout'))
    expect(() => expect(h).toHaveNoLostWrites(['a', 'b'])).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(history).toHaveNoLostWrites(finalRead)

      1 values present although every attempt to write them failed: "b"
      history: 2 writes in 3 attempts (1 ok, 2 fail, 0 indeterminate, 0 pending): 1 acknowledged, 0 indeterminate, 1 failed, 0 pending; final read 2 values
      Hint: a write reported as failed happened: an error that may come after the work (a timeout, a cut connection) is indeterminate — record it so with record(value, write, { classify })]
    `)
  })

  it('names what it got instead of a history', () => {
    expect(() => expect([1, 2]).toHaveNoLostWrites([1])).toThrow(
      /expects a History from @faultline\/core .*got \[1,2\]/,
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

  it('quotes string values as toHaveNoLostWrites does', () => {
    const h = new History<string>()
    h.invoke('w3-2').ok()
    h.invoke('w3-3').ok()
    expect(() => expect(h).toHaveNoDuplicates(['w3-2', 'w3-3', 'w3-2'])).toThrow(
      /^1 values read more than once: "w3-2" x2$/m,
    )
  })

  it('allows a value once per write that may have left it, and says so when it is read more', () => {
    const h = new History<number>()
    h.invoke(7).ok()
    h.invoke(7).indeterminate(new Error('connection reset'))
    expect(h).toHaveNoDuplicates([7, 7])
    expect(() => expect(h).toHaveNoDuplicates([7, 7, 7])).toThrow(
      /^1 values read more than once: 7 x3 \(at most 2 writes\)$/m,
    )
  })

  it('.not fails when there is no duplicate', () => {
    expect(() => expect(history([1, 2])).not.toHaveNoDuplicates([1, 2])).toThrow(
      /expect\(history\)\.not\.toHaveNoDuplicates\(finalRead\)\n\neach of the 2 values read was written, none more times than its 2 writes explain/,
    )
  })

  it('counts against the writes: attempts sharing an id are one write', () => {
    const h = new History<string>()
    h.invoke('m1', { id: 'm1' }).indeterminate(new Error('channel closed'))
    h.invoke('m1', { id: 'm1' }).ok() // redelivered: an attempt of the same write
    expect(h).toHaveNoDuplicates(['m1'])
    expect(() => expect(h).toHaveNoDuplicates(['m1', 'm1'])).toThrow(
      /^1 values read more than once: "m1" x2$/m,
    )
  })
})

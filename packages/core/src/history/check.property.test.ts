import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkHistory } from './check.js'
import { History } from './history.js'

// A simulated store runs random logical writes, each of a few attempts (ok / fail / indeterminate), some
// retries sharing an id, several writes sharing a value. What it keeps follows the rules a correct system
// obeys; the checker must accept every such run and catch each single corruption of it.

type Outcome = 'ok' | 'fail' | 'indeterminate'

interface Write {
  value: number
  attempts: Outcome[]
  retried: boolean
  landed: boolean[]
}

const writeArb: fc.Arbitrary<Write> = fc.record({
  value: fc.integer({ min: 0, max: 5 }), // few values: many writes share one
  attempts: fc.array(fc.constantFrom<Outcome>('ok', 'fail', 'indeterminate'), { minLength: 1, maxLength: 3 }),
  retried: fc.boolean(), // attempts share an id (one write) or are writes of their own
  landed: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), // did an indeterminate attempt happen?
})

/** Records the run and returns what a correct store would hold. */
function simulate(writes: Write[]): { history: History<number>; stored: number[] } {
  const history = new History<number>()
  const stored: number[] = []
  writes.forEach((w, n) => {
    if (w.retried) {
      // one logical write: stored once if any attempt happened
      for (const outcome of w.attempts) history.invoke(w.value, { id: `w${n}` })[outcome]()
      const happened = w.attempts.some((o, i) => o === 'ok' || (o === 'indeterminate' && w.landed[i]))
      if (happened) stored.push(w.value)
    } else {
      // each attempt a write of its own
      w.attempts.forEach((outcome, i) => {
        history.invoke(w.value)[outcome]()
        if (outcome === 'ok' || (outcome === 'indeterminate' && w.landed[i])) stored.push(w.value)
      })
    }
  })
  return { history, stored }
}

describe('checkHistory over simulated correct stores', () => {
  it('accepts every run of a correct store', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 12 }), fc.integer(), (writes, seed) => {
        const { history, stored } = simulate(writes)
        const shuffled = [...stored].sort((a, b) => ((a * 31 + seed) % 7) - ((b * 31 + seed) % 7))
        const result = checkHistory(history, shuffled)
        expect(result.valid).toBe(true)
        expect(result.counts.read).toBe(stored.length)
      }),
    )
  })

  it('finds a loss exactly when a dropped read leaves a value below its acknowledged writes', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { minLength: 1, maxLength: 12 }), fc.nat(), (writes, pick) => {
        const { history, stored } = simulate(writes)
        fc.pre(stored.length > 0)
        const index = pick % stored.length
        const value = stored[index]
        const reads = stored.filter((v) => v === value).length
        const acknowledged = checkHistory(history, []).lost.filter((v) => v === value).length
        const result = checkHistory(history, stored.toSpliced(index, 1))
        expect(result.lost).toEqual(reads - 1 < acknowledged ? [value] : [])
        expect(result.valid).toBe(reads - 1 >= acknowledged)
      }),
    )
  })

  it('catches one more copy of a value than its writes can explain', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { minLength: 1, maxLength: 12 }), fc.nat(), (writes, pick) => {
        const { history, stored } = simulate(writes)
        const values = [...new Set(history.operations.map((op) => op.value))]
        const value = values[pick % values.length] as number
        const everything = checkHistory(history, stored)
        // read the value as many times as every write of it could have left it, plus one
        const writesOf = new Set(
          history.operations.filter((op) => op.value === value).map((op) => op.id ?? `#${op.index}`),
        )
        const extra = Array.from({ length: writesOf.size + 1 }, () => value)
        const result = checkHistory(history, [...stored.filter((v) => v !== value), ...extra])
        expect(everything.valid).toBe(true)
        expect(result.valid).toBe(false)
        expect(result.duplicated.length + result.failedButPresent.length).toBe(1)
      }),
    )
  })
})

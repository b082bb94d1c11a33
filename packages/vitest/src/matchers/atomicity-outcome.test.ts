// The write-by-write classification of toBeAtomicUnderDisconnect, on hand-written table contents (the
// matcher's tests against PostgreSQL are in test/properties/transactions.test.ts).
import { describe, expect, it } from 'vitest'
import { classifyWrites, outcomeOf, referenceWrites, type TableShape } from './atomicity-outcome.js'

const accounts: TableShape = { name: 'accounts', compared: ['id', 'balance'], key: ['id'], filled: [] }
const ledger: TableShape = {
  name: 'ledger',
  compared: ['note'],
  key: [],
  filled: [{ column: 'id', fill: 'gen_random_uuid()' }],
}
const shapes = [accounts, ledger]

const before = {
  accounts: [
    { id: '1', balance: '100' },
    { id: '2', balance: '50' },
    { id: '3', balance: '7' },
  ],
  ledger: [{ note: 'opening' }],
}
// The reference run: a transfer 1 -> 2, account 3 closed, one ledger line, twice the same note.
const whole = {
  accounts: [
    { id: '1', balance: '70' },
    { id: '2', balance: '80' },
  ],
  ledger: [{ note: 'opening' }, { note: 'transfer' }, { note: 'transfer' }],
}

describe('classifyWrites', () => {
  it('counts each updated column, inserted or deleted row, and duplicate row of a multiset as one write', () => {
    expect(referenceWrites(shapes, before, whole)).toBe(5)
    expect(outcomeOf(classifyWrites(shapes, before, whole, whole))).toBe('all')
    expect(outcomeOf(classifyWrites(shapes, before, whole, before))).toBe('nothing')
  })

  it('finds a partial outcome and says which writes are missing', () => {
    const after = {
      accounts: [{ id: '1', balance: '70' }, ...before.accounts.slice(1)],
      ledger: whole.ledger,
    }
    const writes = classifyWrites(shapes, before, whole, after)
    expect(outcomeOf(writes)).toBe('partial')
    expect(writes.filter((w) => w.status === 'missing').map((w) => w.text)).toEqual([
      'accounts id=2: balance 50 -> 80 (found 50)',
      'accounts id=3: deleted',
    ])
  })

  it('counts a multiset row once per copy: one of two identical inserted rows is partial', () => {
    const after = { accounts: whole.accounts, ledger: [{ note: 'opening' }, { note: 'transfer' }] }
    const writes = classifyWrites(shapes, before, whole, after)
    expect(outcomeOf(writes)).toBe('partial')
    expect(writes.filter((w) => w.status === 'missing')).toEqual([
      { status: 'missing', columns: ['ledger (rows)'], text: 'ledger: row inserted {note: "transfer"}' },
    ])
  })

  it('calls a value no run wrote "neither", and an extra row too', () => {
    const after = {
      accounts: [
        { id: '1', balance: '69' },
        { id: '2', balance: '80' },
        { id: '9', balance: '1' },
      ],
      ledger: whole.ledger,
    }
    const writes = classifyWrites(shapes, before, whole, after)
    expect(outcomeOf(writes)).toBe('neither')
    expect(writes.filter((w) => w.status === 'neither').map((w) => w.text)).toEqual([
      'accounts id=1: balance 100 -> 70 (found 69)',
      'accounts id=9: a row the reference run did not write {balance: "1"}',
    ])
  })

  it('calls a change to a row the reference run left alone "neither"', () => {
    const after = {
      accounts: [...whole.accounts],
      ledger: [{ note: 'rewritten' }, { note: 'transfer' }, { note: 'transfer' }],
    }
    const writes = classifyWrites(shapes, before, whole, after)
    expect(writes.filter((w) => w.status === 'neither').map((w) => w.text)).toEqual([
      'ledger: row inserted that the reference run did not insert {note: "rewritten"}',
      'ledger: row deleted that the reference run did not delete {note: "opening"}',
    ])
  })

  it('calls a keyed column the reference run left alone but the cut run changed "neither"', () => {
    const shape: TableShape = { name: 'stock', compared: ['sku', 'qty', 'price'], key: ['sku'], filled: [] }
    const was = { stock: [{ sku: 'a', qty: '5', price: '10' }] }
    const ref = { stock: [{ sku: 'a', qty: '4', price: '10' }] }
    const cut = { stock: [{ sku: 'a', qty: '4', price: '12' }] }
    const writes = classifyWrites([shape], was, ref, cut)
    expect(writes.map((w) => `${w.status}: ${w.text}`)).toEqual([
      'present: stock sku=a: qty 5 -> 4',
      'neither: stock sku=a: price 10 unchanged by the reference run (found 12)',
    ])
    expect(outcomeOf(writes)).toBe('neither')
  })
})

// .toSurviveEveryFault against the run's PostgreSQL: the order write of explore.test.ts, through the matcher
// that takes fresh databases from the service (copies of the template: test/vitest.config.ts).
import { test } from '@faultline/vitest'
import { atomicity } from '@faultline/vitest/matchers'
import pg from 'pg'
import { describe, expect } from 'vitest'

const ORDER = "INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')"
const ITEMS = "INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2), ('o-1', 'cup', 1)"

/** Runs `statements` on a client connected through the run's proxy, and closes it. */
const operation =
  (...statements: string[]) =>
  async ({ url }: { url: string }): Promise<void> => {
    const client = new pg.Client({ connectionString: url })
    client.on('error', () => {})
    await client.connect()
    try {
      for (const sql of statements) await client.query(sql)
    } finally {
      await client.end().catch(() => {})
    }
  }

const placeOrder = operation('BEGIN', ORDER, ITEMS, 'COMMIT')
const placeOrderApart = operation(ORDER, ITEMS) // each statement autocommits: the bug
const check = () => atomicity({ tables: ['orders', 'order_items'] })

/** The message of a failed assertion. */
async function failure(run: Promise<void>): Promise<string> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Error)
  return (error as Error).message
}

describe('.toSurviveEveryFault', () => {
  test('passes when the order is written in one transaction: every point holds', async ({ services }) => {
    await expect(placeOrder).toSurviveEveryFault({ service: services.postgres(), check: check() })
  })

  test('fails when the second statement autocommits, naming the first failing point and its replay', async ({
    services,
  }) => {
    const text = await failure(
      expect(placeOrderApart).toSurviveEveryFault({ service: services.postgres(), check: check(), seed: 7 }),
    )
    const lines = text.split('\n')
    expect(lines[0]).toBe("expect(operation).toSurviveEveryFault({ faults: ['cut', 'inFlight'] })")
    expect(lines[2]).toBe(
      'atomicity broken at cut after the server received `query INSERT INTO orders (id, customer) …` (message 4 of 6), before its answer',
    )
    expect(lines[3]).toMatch(/^found partial \(1 of 3 writes present, 2 missing; present: orders id=o-1/)
    expect(lines[4]).toMatch(/^the operation threw: /)
    expect(lines[5]).toMatch(
      /^12 points explored \(2 failed, 10 ok, 0 indeterminate, 0 not reached\): cut, inFlight at each of 6 client messages, 12 runs on fresh states \+ 1 recording run \(seed 7, [\d.]+ s\)$/,
    )
    expect(lines).toContain('failing points: inFlight@Q#1, cut@Q#2')
    expect(lines).toContain("replay it alone: { replay: 'inFlight@Q#1', seed: 7 }")
    expect(text).toMatch(/Hint: part of the writes was committed before the fault/)
  })

  test('fails again, alone, when the failing point is replayed', async ({ services }) => {
    const text = await failure(
      expect(placeOrderApart).toSurviveEveryFault({
        service: services.postgres(),
        check: check(),
        replay: 'inFlight@Q#1',
        seed: 7,
      }),
    )
    expect(text).toMatch(/^atomicity broken at cut after the server received `query INSERT INTO orders/m)
    expect(text).toMatch(
      /^1 point explored \(1 failed, 0 ok, 0 indeterminate, 0 not reached\): the replayed point alone \(the recording sent 6 client messages\)/m,
    )
    expect(text).toMatch(/^found partial \(1 of 3 writes present, 2 missing/m)
  })

  test('.not fails when every point holds, saying how many held', async ({ services }) => {
    const text = await failure(
      expect(placeOrder).not.toSurviveEveryFault({
        service: services.postgres(),
        check: check(),
        faults: ['inFlight'],
      }),
    )
    expect(text).toMatch(/^every explored point held atomicity, expected a point that breaks it$/m)
    expect(text).toMatch(
      /^8 points explored \(0 failed, 8 ok, 0 indeterminate, 0 not reached\): inFlight at each of 8 client messages/m,
    )
  })

  test('fails, saying so, when the time budget leaves points unexplored', async ({ services }) => {
    const text = await failure(
      expect(placeOrder).toSurviveEveryFault({ service: services.postgres(), check: check(), within: 1 }),
    )
    expect(text).toMatch(/^only 0 points of 16 explored: the time budget ran out$/m)
    expect(text).toMatch(
      /^0 points explored \(0 failed, 0 ok, 0 indeterminate, 0 not reached\), 16 left unexplored/m,
    )
    expect(text).toMatch(/^Hint: raise options.within/m)
  })

  test('refuses an operation that is not a function, and options without a service', async ({ services }) => {
    await expect(
      expect('SELECT 1').toSurviveEveryFault({ service: services.postgres(), check: check() }),
    ).rejects.toThrow(/received: toSurviveEveryFault expects the operation/)
    await expect(expect(placeOrder).toSurviveEveryFault({ check: check() })).rejects.toThrow(
      /options.service: expected a service handle/,
    )
  })
})

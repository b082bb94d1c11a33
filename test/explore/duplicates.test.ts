// noDuplicates against the run's PostgreSQL: a payment written with one retry on error. When the answer to
// its INSERT is lost (the server committed it, the client never heard), the naive retry writes it again;
// a unique reference with ON CONFLICT DO NOTHING makes the retry harmless.
import { test } from '@faultline/vitest'
import { noDuplicates } from '@faultline/vitest/matchers'
import pg from 'pg'
import { describe, expect } from 'vitest'

/** A payment of 5 cents with reference r-1, tried twice on error, each try on a new connection. */
const pay =
  (sql: string) =>
  async ({ url }: { url: string }): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const client = new pg.Client({ connectionString: url })
      client.on('error', () => {})
      try {
        await client.connect()
        await client.query(sql)
        return
      } catch (error) {
        if (attempt === 2) throw error
      } finally {
        await client.end().catch(() => {})
      }
    }
  }

const payNaively = pay("INSERT INTO payments (reference, cents) VALUES ('r-1', 5)")
const payOnce = pay(
  "INSERT INTO payments (reference, cents) VALUES ('r-1', 5) ON CONFLICT (reference) DO NOTHING",
)

/** A fresh database with the payments table: a unique reference when `unique`. */
function withPayments(services: { postgres(): { isolate(): Promise<{ url: string }> } }, unique: boolean) {
  return async () => {
    const db = await services.postgres().isolate()
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    try {
      await client.query(
        `CREATE TABLE payments (id serial PRIMARY KEY, reference text NOT NULL${unique ? ' UNIQUE' : ''}, cents int NOT NULL)`,
      )
    } finally {
      await client.end()
    }
    return db
  }
}

const check = () => noDuplicates({ table: 'payments', key: ['reference'] })

describe('noDuplicates', () => {
  test('a retry after a lost answer writes the payment twice: found, with no point given', async ({
    services,
  }) => {
    const error = await expect(payNaively)
      .toSurviveEveryFault({ fresh: withPayments(services, false), check: check(), seed: 3 })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      )
    expect(error, 'the naive retry passed every point').toBeInstanceOf(Error)
    const lines = error!.message.split('\n')
    expect(lines[2]).toMatch(
      /^no duplicates broken at cut after the server received `query INSERT INTO payments/,
    )
    expect(lines[3]).toBe('found 1 key of payments written more than once: reference=r-1 ×2')
    // The answer to the first INSERT lost: the retry wrote it again, and the operation "succeeded".
    expect(lines[4]).toBe('the operation resolved')
    expect(lines).toContain("replay it alone: { replay: 'inFlight@Q#1', seed: 3 }")
  })

  test('an idempotent write holds at every point', async ({ services }) => {
    await expect(payOnce).toSurviveEveryFault({ fresh: withPayments(services, true), check: check() })
  })

  test('names a missing table or key', () => {
    expect(() => noDuplicates({ table: '', key: ['reference'] })).toThrow(/options.table: expected the table/)
    expect(() => noDuplicates({ table: 'payments', key: [] })).toThrow(/options.key: expected the columns/)
  })
})

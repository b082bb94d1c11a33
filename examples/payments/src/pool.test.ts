import { createProxy } from '@faultline/proxy'
import { expect, test } from '@faultline/vitest'
import pg from 'pg'
import { transfer } from './payments.js'

// The service's connection pool talks to PostgreSQL through a fault proxy. Every connection is reset
// mid-run: the transfers of that moment fail, the pool replaces its dead clients, and no money is made or
// lost.
test('a pool behind a proxy carries on after every connection is reset; the books still balance', async ({
  postgres,
}) => {
  await using proxy = await createProxy({ upstream: postgres })
  const pool = new pg.Pool({ connectionString: proxy.url(postgres.url), max: 4 })
  // A reset reaches idle clients through the pool's 'error' event, and checked-out clients through their
  // own: without both listeners Node reports an uncaught ECONNRESET.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const transferOnce = async (): Promise<void> => {
    const client = await pool.connect()
    try {
      await transfer(client, 1, 2, 100)
      client.release()
    } catch (error) {
      client.release(true) // a broken connection is not handed out again
      throw error
    }
  }
  const transfers = (n: number) => Promise.allSettled(Array.from({ length: n }, transferOnce))

  try {
    expect((await transfers(8)).filter((r) => r.status === 'fulfilled')).toHaveLength(8)
    {
      await using _reset = proxy.reset() // every open connection and each new one, until healed
      expect((await transfers(4)).filter((r) => r.status === 'fulfilled')).toHaveLength(0)
    }
    expect((await transfers(8)).filter((r) => r.status === 'fulfilled')).toHaveLength(8)
  } finally {
    await pool.end()
  }

  const { rows } = await postgres.client.query(
    'SELECT (SELECT sum(balance_cents)::int FROM accounts) AS total, (SELECT count(*)::int FROM ledger) AS moves',
  )
  expect(rows[0]).toEqual({ total: 15_000, moves: 16 })
})

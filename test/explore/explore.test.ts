// explore() against the run's PostgreSQL: every client message of an order write gets a fault on a fresh
// copy of the template (`orders` and `order_items`, test/vitest.config.ts), and the atomicity check judges.
import { explore } from '@faultline/proxy'
import { test } from '@faultline/vitest'
import { atomicity } from '@faultline/vitest/matchers'
import pg from 'pg'
import { describe, expect } from 'vitest'

/** Broken: the order and its items are committed apart (each statement autocommits). */
async function placeOrderApart(client: pg.Client): Promise<void> {
  await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
  await client.query(
    "INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2), ('o-1', 'cup', 1)",
  )
}

/** Correct: one transaction. */
async function placeOrder(client: pg.Client): Promise<void> {
  await client.query('BEGIN')
  await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
  await client.query(
    "INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2), ('o-1', 'cup', 1)",
  )
  await client.query('COMMIT')
}

/** Runs `work` on a client connected through the run's proxy, and closes it. */
const through =
  (work: (client: pg.Client) => Promise<void>) =>
  async ({ url }: { url: string }): Promise<void> => {
    const client = new pg.Client({ connectionString: url })
    client.on('error', () => {})
    await client.connect()
    try {
      await work(client)
    } finally {
      await client.end().catch(() => {})
    }
  }

const check = () => atomicity({ tables: ['orders', 'order_items'] })

describe('explore', () => {
  test('finds the point where the order write without a transaction is partial', async ({ services }) => {
    const service = services.postgres()
    const result = await explore(through(placeOrderApart), { fresh: () => service.isolate(), check: check() })
    expect(result.firstFailure?.point.id).toBe('inFlight@Q#1')
    expect(result.firstFailure?.finding).toMatch(/^found partial: 1 of 3 writes present, 2 missing/)
    expect(result.points.length).toBe(result.messages.length * 2)
  })

  test('every point of the transactional order write holds', async ({ services }) => {
    const service = services.postgres()
    const result = await explore(through(placeOrder), { fresh: () => service.isolate(), check: check() })
    expect(result.counts).toEqual({
      ok: result.messages.length * 2,
      failed: 0,
      indeterminate: 0,
      notReached: 0,
      unexplored: 0,
    })
  })
})

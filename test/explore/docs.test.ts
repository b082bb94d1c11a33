// docs/explore.md shows this file whole, and the failure message it asserts: the page cannot drift from
// code that runs. `orders` and `order_items` come from the template (test/vitest.config.ts).
import { readFileSync } from 'node:fs'
import { test } from '@faultline/vitest'
import { atomicity } from '@faultline/vitest/matchers'
import pg from 'pg'
import { expect } from 'vitest'

/** The bug: each statement autocommits, so a fault between them leaves an order without its items. */
async function placeOrderAutocommit(client: pg.Client): Promise<void> {
  await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
  await client.query(
    "INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2), ('o-1', 'cup', 1)",
  )
}

/** The fix: one transaction. */
async function placeOrder(client: pg.Client): Promise<void> {
  await client.query('BEGIN')
  await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
  await client.query(
    "INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2), ('o-1', 'cup', 1)",
  )
  await client.query('COMMIT')
}

/** An operation to explore: it connects through the run's proxy (`url`), does the work, and closes. */
const operation =
  (work: (client: pg.Client) => Promise<void>) =>
  async ({ url }: { url: string }): Promise<void> => {
    const client = new pg.Client({ connectionString: url })
    client.on('error', () => {}) // a cut connection reports here too; the query's rejection is what counts
    await client.connect()
    try {
      await work(client)
    } finally {
      await client.end().catch(() => {})
    }
  }

const check = atomicity({ tables: ['orders', 'order_items'] })

test('exploration finds the point where the order write breaks', async ({ services }) => {
  const survives = expect(operation(placeOrderAutocommit)).toSurviveEveryFault({
    service: services.postgres(), // each run gets a fresh database copied from the template
    check,
    seed: 42,
  })
  await expect(survives).rejects.toThrow(
    'atomicity broken at cut after the server received `query INSERT INTO orders (id, customer) …` (message 4 of 6), before its answer',
  )
})

test('in one transaction, the order write survives every fault', async ({ services }) => {
  await expect(operation(placeOrder)).toSurviveEveryFault({ service: services.postgres(), check })
})

test('docs/explore.md shows this file and the message it asserts', async ({ services }) => {
  const page = readFileSync(new URL('../../docs/explore.md', import.meta.url), 'utf8')
  expect(page).toContain(`\`\`\`ts\n${readFileSync(new URL(import.meta.url), 'utf8')}\`\`\``)
  const shown = /<!-- message -->\n```text\n([\s\S]*?)```/.exec(page)?.[1]
  const message = await expect(operation(placeOrderAutocommit))
    .toSurviveEveryFault({ service: services.postgres(), check, seed: 42 })
    .then(
      () => '',
      (error: Error) => `${error.message}\n`,
    )
  // The one part that changes between runs: how long the exploration took.
  const steady = (text: string | undefined) => text?.replace(/seed 42, [\d.]+ s\)/, 'seed 42, … s)')
  expect(steady(shown)).toBe(steady(message))
})

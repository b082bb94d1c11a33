import { setTimeout as sleep } from 'node:timers/promises'
import { History, scaled } from '@faultline/core'
import { createProxy, onPostgres } from '@faultline/proxy'
import { expect, type PostgresFixture, test } from '@faultline/vitest'
import pg from 'pg'
import { type NewMessage, saveMessage, storeMessage } from './store.js'

// Scenario 4, split brain: the database connection is cut during COMMIT, the network stays partitioned for a
// while (30 s in the audit; 2 s here, which is already 10 query timeouts), then heals. Is every message
// all-or-nothing, does the error reach the caller, and does the caller's retry store it exactly once? 30 messages from 4 callers (each times
// FAULTLINE_LOAD_SCALE).

const tables = ['messages', 'tenant_usage']
const hello = (client: pg.Client, hardened: boolean) =>
  saveMessage(client, { tenantId: 'acme', body: 'hello', idempotencyKey: 'k-1' }, { hardened })

// #region atomic-test
test('a message and its usage count are all or nothing, wherever the connection is cut', async ({
  services,
}) => {
  const service = services.postgres()
  const save = (client: pg.Client) => hello(client, true)
  // BEGIN, INSERT the message, (cut) UPDATE the count, COMMIT
  await expect(save).toBeAtomicUnderDisconnect({ service, cut: { afterStatements: 2 }, tables })
  await expect(save).toBeAtomicUnderDisconnect({ service, cut: 'commit', tables })
  await expect(save).toBeAtomicUnderDisconnect({ service, cut: 'in-flight-commit', tables })
})
// #endregion atomic-test

// The naive form sends no BEGIN: its first statement is the INSERT, committed on its own.
// #region atomic-naive
test('in autocommit, a cut between the two statements leaves a message nobody is billed for', async ({
  services,
}) => {
  const save = (client: pg.Client) => hello(client, false)
  let message = ''
  try {
    await expect(save).toBeAtomicUnderDisconnect({
      service: services.postgres(),
      cut: { afterStatements: 1 },
      tables,
    })
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive store would see
  expect(message).toContain('found partial, expected nothing')
  expect(message).toContain(
    'present: messages: row inserted {tenant_id: "acme", idempotency_key: null, body: "hello"}',
  )
  expect(message).toContain('missing: tenant_usage tenant_id=acme: messages 0 -> 1 (found 0)')
})
// #endregion atomic-naive

const QUERY_TIMEOUT = 200 // the pool gives up on a query, or on a connection, after this long
const PARTITION = 10 * QUERY_TIMEOUT
const MESSAGES = scaled(30)
const CALLERS = scaled(4)

/**
 * 4 callers send 30 messages through a fault proxy, one every 200 ms each, retrying a failed send with the
 * same idempotency key. The 5th write to reach the server has its answer lost (the server commits, the
 * caller gets an error), and once 10 messages are stored a partition holds every connection for 2 s.
 */
async function sendThroughSplitBrain(postgres: PostgresFixture, hardened: boolean) {
  await using proxy = await createProxy({ upstream: postgres })
  const pool = new pg.Pool({
    connectionString: proxy.url(postgres.url),
    max: CALLERS,
    query_timeout: QUERY_TIMEOUT,
    connectionTimeoutMillis: QUERY_TIMEOUT,
  })
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const history = new History<string>()
  // Where each form's write becomes durable: the COMMIT; the naive form commits each statement by itself,
  // and its last one is the UPDATE.
  const durable = hardened ? onPostgres.commit() : onPostgres.query(/UPDATE tenant_usage/)
  await using _lostAnswer = proxy.trigger(durable, { at: 'after', nth: 5 })
  let partitioned = false
  let errorsInPartition = 0
  const send = async (message: NewMessage) => {
    for (let attempt = 1; attempt <= 100; attempt++) {
      try {
        await history.record(message.body, () => storeMessage(pool, message, { hardened }), {
          id: message.idempotencyKey,
        })
        return
      } catch {
        if (partitioned) errorsInPartition++
        await sleep(QUERY_TIMEOUT / 2)
      }
    }
  }
  let next = 0
  const callers = Array.from({ length: CALLERS }, async () => {
    while (next < MESSAGES) {
      const n = ++next
      await send({ tenantId: 'acme', body: `m-${n}`, idempotencyKey: `key-${n}` })
      await sleep(QUERY_TIMEOUT)
    }
  })
  try {
    await expect
      .poll(() => history.operations.filter((op) => op.outcome === 'ok').length, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(10)
    {
      await using _partition = proxy.blackHole()
      partitioned = true
      await sleep(PARTITION)
      partitioned = false
    }
    await Promise.all(callers)
  } finally {
    await pool.end()
  }
  const { rows } = await postgres.client.query<{ body: string }>(
    "SELECT body FROM messages WHERE tenant_id = 'acme'",
  )
  const usage = await postgres.client.query<{ messages: number }>(
    "SELECT messages FROM tenant_usage WHERE tenant_id = 'acme'",
  )
  return { history, bodies: rows.map((r) => r.body), billed: usage.rows[0]!.messages, errorsInPartition }
}

// #region retry-test
test('through a lost COMMIT answer and a partition, every message is stored once and billed once', async ({
  postgres,
}) => {
  const { history, bodies, billed, errorsInPartition } = await sendThroughSplitBrain(postgres, true)
  expect(errorsInPartition).toBeGreaterThan(0) // the partition reached the callers as errors, not a hang
  expect(history).toHaveNoLostWrites(bodies)
  expect(history).toHaveNoDuplicates(bodies)
  expect(billed).toBe(bodies.length)
})
// #endregion retry-test

// #region retry-naive
test('without the idempotency key, the retry after the lost answer stores the message twice', async ({
  postgres,
}) => {
  const { history, bodies } = await sendThroughSplitBrain(postgres, false)
  expect(history).toHaveNoLostWrites(bodies)
  let message = ''
  try {
    expect(history).toHaveNoDuplicates(bodies)
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive store would see
  expect(message).toMatch(/values? read more than once: "m-\d+" x2/)
  expect(message).toContain('Hint: retries need an idempotency key')
})
// #endregion retry-naive

import { setTimeout as sleep } from 'node:timers/promises'
import { History } from '@faultline/core'
import { expect, test } from '@faultline/vitest'
import pg from 'pg'

// Two concurrent SERIALIZABLE deposits bump one running total: the second to update it gets a real
// SQLSTATE 40001 (could not serialize access due to concurrent update). Retrying the whole transaction
// with the same id is correct: the history shows a failed attempt and an acknowledged one, and the row is
// there once. Swallowing the error instead tells the caller "saved" for a row that was rolled back.

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  return client
}

/** One deposit: a ledger row and the running total, in one serializable transaction. */
async function deposit(client: pg.Client, id: number, amount: number): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE')
  try {
    await client.query('INSERT INTO ledger (id, amount) VALUES ($1, $2)', [id, amount])
    await client.query('UPDATE totals SET amount = amount + $1 WHERE k = 1', [amount])
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

/** Correct: a serialization failure rolled everything back, so the whole transaction is run again. */
async function depositWithRetry(history: History<number>, client: pg.Client, id: number, amount: number) {
  for (let attempt = 1; ; attempt++) {
    try {
      // every attempt is an operation of the history; the shared id makes them one logical write
      return await history.record(id, () => deposit(client, id, amount), { id })
    } catch (error) {
      if ((error as { code?: string }).code !== '40001' || attempt === 5) throw error
    }
  }
}

/** Broken: "best effort" — the failure never reaches the caller, who is told the deposit was saved. */
async function depositSwallowingErrors(
  history: History<number>,
  client: pg.Client,
  id: number,
  amount: number,
) {
  await history.record(id, async () => {
    try {
      await deposit(client, id, amount)
    } catch {
      // logged and dropped — the bug
    }
  })
}

/** Waits, bounded in time and count, until the backend `pid` waits on a lock. */
async function untilWaitingOnLock(admin: pg.Client, pid: number): Promise<void> {
  const deadline = Date.now() + 20_000
  for (let i = 0; i < 2_000 && Date.now() < deadline; i++) {
    const { rows } = await admin.query<{ wait: string | null }>(
      'SELECT wait_event_type AS wait FROM pg_stat_activity WHERE pid = $1',
      [pid],
    )
    if (rows[0]?.wait === 'Lock') return
    await sleep(10)
  }
  throw new Error(`backend ${pid} never waited on the total's row lock`)
}

/**
 * Deposit 1 holds the total's row lock while deposit 2 (run by `second`) updates the same row: deposit 2
 * waits, deposit 1 commits, and deposit 2's UPDATE fails with 40001.
 */
async function concurrentDeposits(
  database: { url: string; client: pg.Client },
  second: (history: History<number>, client: pg.Client, id: number, amount: number) => Promise<unknown>,
): Promise<{ history: History<number>; ids: number[]; total: number }> {
  await database.client.query('CREATE TABLE ledger (id int PRIMARY KEY, amount int NOT NULL)')
  await database.client.query('CREATE TABLE totals (k int PRIMARY KEY, amount int NOT NULL)')
  await database.client.query('INSERT INTO totals VALUES (1, 0)')
  const history = new History<number>()
  const first = await connect(database.url)
  const other = await connect(database.url)
  let running: Promise<unknown> | undefined
  try {
    const pid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? -1
    const op = history.invoke(1)
    await first.query('BEGIN ISOLATION LEVEL SERIALIZABLE')
    await first.query('INSERT INTO ledger (id, amount) VALUES (1, 10)')
    await first.query('UPDATE totals SET amount = amount + 10 WHERE k = 1')
    running = second(history, other, 2, 20)
    await untilWaitingOnLock(database.client, pid)
    await first.query('COMMIT')
    op.ok()
    await running
  } finally {
    await first.end().catch(() => {})
    await other.end().catch(() => {})
    await running?.catch(() => {}) // settled already, unless the set-up above failed
  }
  const { rows } = await database.client.query<{ id: number }>('SELECT id FROM ledger ORDER BY id')
  const total = await database.client.query<{ amount: number }>('SELECT amount FROM totals WHERE k = 1')
  return { history, ids: rows.map((r) => r.id), total: total.rows[0]?.amount ?? Number.NaN }
}

test('an idempotent retry after a real 40001 loses nothing and writes nothing twice', async ({
  postgres,
}) => {
  const { history, ids, total } = await concurrentDeposits(postgres, depositWithRetry)
  // the serialization failure really happened, and the retry succeeded
  const failed = history.operations.filter((op) => op.outcome === 'fail')
  expect(failed.map((op) => (op.error as { code?: string }).code)).toEqual(['40001'])
  expect(history.operations.map((op) => `${op.value}:${op.outcome}`)).toEqual(['1:ok', '2:fail', '2:ok'])
  expect(ids).toEqual([1, 2])
  expect(total).toBe(30)
  expect(history).toHaveNoLostWrites(ids)
  expect(history).toHaveNoDuplicates(ids)
})

test('a deposit that swallows the 40001 is caught: acknowledged, yet absent', async ({ postgres }) => {
  const { history, ids, total } = await concurrentDeposits(postgres, depositSwallowingErrors)
  expect(ids).toEqual([1])
  expect(total).toBe(10)
  expect(() => expect(history).toHaveNoLostWrites(ids)).toThrow(
    /1 of 2 acknowledged writes lost \(missing from the final read\): 2\nhistory: 2 ok, 0 fail, 0 indeterminate, 0 pending; final read 1 values/,
  )
})

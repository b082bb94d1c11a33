import { History } from '@faultline/core'
import { expect, test } from '@faultline/vitest'
import pg from 'pg'

// Concurrent writers appending audit rows while their connections are cut server-side
// (pg_terminate_backend: SQLSTATE 57P01), judged by a history of what each writer was told.

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {}) // a terminated backend surfaces on the pending query; the socket error is noise
  await client.connect()
  return client
}

/** Cuts every connection to `database` except the caller's own. */
async function cutConnections(admin: pg.Client, database: string): Promise<number> {
  const { rowCount } = await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  )
  return rowCount ?? 0
}

test('8 concurrent writers, connections cut every 5th write of one of them: nothing acknowledged lost, nothing twice', async ({
  postgres,
}) => {
  await postgres.client.query('CREATE TABLE audit (id int PRIMARY KEY, writer int NOT NULL)')
  const history = new History<number>()
  const writers = 8
  const perWriter = 40
  let cuts = 0

  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      let client = await connect(postgres.url)
      for (let n = 0; n < perWriter; n++) {
        const id = w * perWriter + n
        // Writer 0 cuts every connection every 5th write, while the others are mid-write: the cuts
        // follow the writers' progress, not the clock, so a fast machine cannot finish before the first.
        if (w === 0 && n % 5 === 2) cuts += await cutConnections(postgres.client, postgres.database)
        try {
          await history.record(id, () => client.query('INSERT INTO audit VALUES ($1, $2)', [id, w]), {
            process: w,
          })
        } catch {
          await client.end().catch(() => {})
          client = await connect(postgres.url) // the service is up; only this connection was cut
        }
      }
      await client.end()
    }),
  )

  const { rows } = await postgres.client.query<{ id: number }>('SELECT id FROM audit')
  const ids = rows.map((r) => r.id)
  expect(history).toHaveNoLostWrites(ids)
  expect(history).toHaveNoDuplicates(ids)
  expect(history.operations).toHaveLength(writers * perWriter)
  expect(cuts).toBeGreaterThan(0)
  // The cuts reached writes in flight: some writers were told their write failed or may have failed.
  expect(history.operations.filter((op) => op.outcome !== 'ok').length).toBeGreaterThan(0)
})

// The same cut at the same point — after the INSERT, before COMMIT — against two writers.
async function writeThenCut(
  database: { url: string; database: string; client: pg.Client },
  acknowledgeBeforeCommit: boolean,
): Promise<{ history: History<number>; ids: number[] }> {
  await database.client.query('CREATE TABLE audit (id int PRIMARY KEY)')
  const history = new History<number>()
  const writer = await connect(database.url)
  for (let id = 0; id < 10; id++) {
    const op = history.invoke(id)
    try {
      await writer.query('BEGIN')
      await writer.query('INSERT INTO audit VALUES ($1)', [id])
      if (acknowledgeBeforeCommit) op.ok() // the bug: the caller is told "saved" before COMMIT
      if (id === 7) await cutConnections(database.client, database.database)
      await writer.query('COMMIT')
      if (!acknowledgeBeforeCommit) op.ok()
    } catch (error) {
      if (!acknowledgeBeforeCommit) op.indeterminate(error)
      break
    }
  }
  await writer.end().catch(() => {})
  const { rows } = await database.client.query<{ id: number }>('SELECT id FROM audit')
  return { history, ids: rows.map((r) => r.id) }
}

test('a writer that acknowledges after COMMIT loses nothing when cut before COMMIT', async ({ postgres }) => {
  const { history, ids } = await writeThenCut(postgres, false)
  expect(ids).toHaveLength(7)
  expect(history).toHaveNoLostWrites(ids)
})

test('a writer that acknowledges before COMMIT is caught losing the write', async ({ postgres }) => {
  const { history, ids } = await writeThenCut(postgres, true)
  expect(() => expect(history).toHaveNoLostWrites(ids)).toThrow(
    /1 of 8 acknowledged writes lost \(missing from the final read\): 7\nhistory: 8 ok, 0 fail, 0 indeterminate, 0 pending; final read 7 values/,
  )
})

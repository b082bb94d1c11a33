import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createProxy, type FaultProxy, onPostgres } from '@faultline/proxy'
import { test as base, type PostgresFixture } from '@faultline/vitest'
import fc from 'fast-check'
import pg from 'pg'
import { describe, expect, onTestFinished } from 'vitest'
import { failure, fastest } from './support.js'

// The split-brain scenario and the other PostgreSQL triggers, with a real `pg` client through the proxy
// and a direct client (the fixture's, on the test's own database) as the witness of what was committed.

interface Through {
  proxy: FaultProxy
  /** A connected client through the proxy, on the test's database. */
  client: (options?: { query_timeout?: number }) => Promise<pg.Client>
  /** Rows of `ledger` with this batch, read directly. */
  rows: (batch: string) => Promise<number>
}

async function ledger(database: PostgresFixture): Promise<(batch: string) => Promise<number>> {
  await database.client.query('CREATE TABLE ledger (id serial PRIMARY KEY, batch text NOT NULL)')
  return async (batch) =>
    Number(
      (await database.client.query('SELECT count(*) AS n FROM ledger WHERE batch = $1', [batch])).rows[0].n,
    )
}

const test = base.extend('through', async ({ postgres: database }, { onCleanup }): Promise<Through> => {
  const rows = await ledger(database)
  const proxy = await createProxy({ upstream: database }) // postgres://: framed as PostgreSQL
  onCleanup(() => proxy.close())
  const client = async (options: { query_timeout?: number } = {}) => {
    const c = new pg.Client({ connectionString: proxy.url(database.url), ...options })
    c.on('error', () => {})
    onTestFinished(() => c.end().catch(() => {}))
    await c.connect()
    return c
  }
  return { proxy, client, rows }
})

// BEGIN, three inserts, COMMIT: the transaction whose all-or-nothing outcome the tests check.
async function transfer(c: pg.Client, batch: string, extended = false): Promise<void> {
  await c.query('BEGIN')
  for (let i = 0; i < 3; i++) await c.query('INSERT INTO ledger (batch) VALUES ($1)', [batch])
  // A named statement goes through Parse/Bind/Execute: the extended protocol.
  await c.query(extended ? { name: 'commit', text: 'COMMIT' } : 'COMMIT')
}

describe('pass-through', () => {
  test('round-trips random bytes and text byte-exactly', async ({ through: { client } }) => {
    const c = await client()
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 50_000 }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        async (bytes, text) => {
          const { rows } = await c.query('SELECT $1::bytea AS b, $2::text AS t', [Buffer.from(bytes), text])
          expect(Buffer.from(rows[0].b).equals(Buffer.from(bytes))).toBe(true)
          expect(rows[0].t).toBe(text)
        },
      ),
      { numRuns: 20 },
    )
  })
})

describe('cut at COMMIT', () => {
  test('before COMMIT (simple protocol): the client fails and nothing is committed', async ({
    through: { proxy, client, rows },
  }) => {
    const c = await client()
    const cut = proxy.trigger(onPostgres.commit())
    const error = await failure(transfer(c, 'simple-before'))
    expect(error.message).toMatch(/ECONNRESET|terminated/i)
    expect(cut.hits.map((h) => h.message)).toEqual(['Q COMMIT'])
    expect(await rows('simple-before')).toBe(0)
  })

  test('before COMMIT (extended protocol): nothing is committed', async ({
    through: { proxy, client, rows },
  }) => {
    const c = await client()
    const cut = proxy.trigger(onPostgres.commit(), { action: 'close' })
    await failure(transfer(c, 'extended-before', true))
    expect(cut.hits.map((h) => h.message)).toEqual(['E COMMIT'])
    expect(await rows('extended-before')).toBe(0)
  })

  test('right after COMMIT went out: the client fails, the transaction is whole (here: committed)', async ({
    through: { proxy, client, rows },
  }) => {
    const c = await client()
    await using _cut = proxy.trigger(onPostgres.commit(), { at: 'after' })
    await failure(transfer(c, 'in-flight', true))
    await expect.poll(() => rows('in-flight')).toBe(3)
  })

  // An extended-protocol statement outside a transaction commits at the Sync after its Execute: a cut
  // right after the Execute would roll it back, not lose its answer.
  test('after an INSERT in autocommit (extended protocol): the row is committed, its answer lost', async ({
    through: { proxy, client, rows },
  }) => {
    const c = await client()
    const cut = proxy.trigger(onPostgres.query(/INSERT/), { at: 'after' })
    await failure(c.query('INSERT INTO ledger (batch) VALUES ($1)', ['autocommit-after']))
    expect(cut.hits.map((h) => h.message)).toEqual(['E INSERT INTO ledger (batch) VALUES ($1)'])
    await expect.poll(() => rows('autocommit-after')).toBe(1)
  })

  test('an exact matcher cuts right after the Execute, before its Sync: the INSERT is rolled back', async ({
    through: { proxy, client, rows },
  }) => {
    const c = await client()
    const insert = onPostgres.query(/INSERT/)
    proxy.trigger({ ...insert, exact: true }, { at: 'after' })
    await failure(c.query('INSERT INTO ledger (batch) VALUES ($1)', ['exact-after']))
    await c.end().catch(() => {})
    expect(await rows('exact-after')).toBe(0)
  })

  test('black hole at COMMIT: the client times out, the server never commits', async ({
    through: { proxy, client, rows },
  }) => {
    const c = await client({ query_timeout: 500 })
    await using _hole = proxy.trigger(onPostgres.commit(), { action: 'blackHole' })
    const error = await failure(transfer(c, 'black-hole'))
    expect(error.message).toMatch(/timeout/i)
    expect(await rows('black-hole')).toBe(0)
  })

  test('at the n-th query: the first queries pass, the n-th is cut', async ({
    through: { proxy, client },
  }) => {
    const c = await client()
    const cut = proxy.trigger(onPostgres.query(), { nth: 3 })
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect((await c.query({ text: 'SELECT $1::int AS two', values: [2] })).rows).toEqual([{ two: 2 }])
    await failure(c.query('SELECT 3'))
    expect(cut.hits.map((h) => h.message)).toEqual(['Q SELECT 3'])
  })
})

describe('docs/proxy.md', () => {
  test('cut at COMMIT', async ({ postgres: database }) => {
    const rows = await ledger(database)
    // #region cutAtCommit
    await using proxy = await createProxy({ upstream: database }) // a postgres:// URL: framed as PostgreSQL
    const client = new pg.Client({ connectionString: proxy.url(database.url) })
    client.on('error', () => {}) // the cut also surfaces as an 'error' event
    await client.connect()

    await using cut = proxy.trigger(onPostgres.commit()) // RST before COMMIT reaches the server
    await client.query('BEGIN')
    await client.query("INSERT INTO ledger (batch) VALUES ('docs')")
    await expect(client.query('COMMIT')).rejects.toThrow()

    expect(cut.hits.map((hit) => hit.message)).toEqual(['Q COMMIT'])
    expect(await rows('docs')).toBe(0) // never committed: all or nothing
    // #endregion
  })
})

// A process holding one pg.Pool client checked out, through `url`, with or without an 'error' listener on
// it (the pool has one): what happens to it when that connection is reset. It ends on its own within 10 s.
async function checkedOutClientProcess(
  url: string,
  listen: boolean,
): Promise<{ ready: Promise<void>; exit: Promise<{ code: number | null; stderr: string }> }> {
  const script = `
    import pg from 'pg'
    const pool = new pg.Pool({ connectionString: process.env.URL })
    pool.on('error', () => {})
    const held = await pool.connect()
    if (process.env.LISTEN === '1') held.on('error', () => console.log('client error handled'))
    console.log('ready')
    setTimeout(() => process.exit(0), 10_000)
    held.once('end', () => setTimeout(() => process.exit(0), 200))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, URL: url, LISTEN: listen ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTestFinished(() => {
    child.kill()
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes('ready')) resolve()
    })
    child.once('exit', () => reject(new Error(`exited before it was ready: ${stderr}`)))
  })
  const exit = once(child, 'exit').then(([code]) => ({
    code: code as number | null,
    stderr: stdout + stderr,
  }))
  return { ready, exit }
}

describe('pools behind the proxy', () => {
  test('a checked-out client without an error listener crashes the process on a reset; with one it does not', async ({
    postgres: database,
  }) => {
    await using proxy = await createProxy({ upstream: database })
    const bare = await checkedOutClientProcess(proxy.url(database.url), false)
    const guarded = await checkedOutClientProcess(proxy.url(database.url), true)
    await Promise.all([bare.ready, guarded.ready])
    await using _reset = proxy.reset()
    const [crashed, survived] = await Promise.all([bare.exit, guarded.exit])
    expect(crashed.code).not.toBe(0) // pool.on('error') did not cover the checked-out client
    expect(crashed.stderr).toMatch(/ECONNRESET|Connection terminated unexpectedly/)
    expect(survived).toMatchObject({ code: 0, stderr: expect.stringContaining('client error handled') })
  })

  test('pg.Pool: idle clients report to pool.on, a checked-out client to its own listener', async ({
    postgres: database,
  }) => {
    // #region pool
    await using proxy = await createProxy({ upstream: database })
    const pool = new pg.Pool({ connectionString: proxy.url(database.url) })
    const poolErrors: unknown[] = []
    pool.on('error', (error) => poolErrors.push(error)) // an idle client lost its connection

    const held = await pool.connect() // checked out: pool.on('error') does not cover it
    const heldErrors: unknown[] = []
    held.on('error', (error) => heldErrors.push(error))
    await pool.query('SELECT 1') // a second client, idle in the pool afterwards

    {
      await using _reset = proxy.reset() // both connections get an RST
      await expect.poll(() => heldErrors.length > 0 && poolErrors.length > 0).toBe(true)
      held.release(true) // a broken client: destroy it instead of returning it to the pool
    }
    expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]) // healed: new connections pass
    await pool.end()
    // #endregion
    expect(heldErrors[0]).toMatchObject({ code: 'ECONNRESET' })
  })
})

describe('faults seen by pg', () => {
  test('latency: a query takes at least the added delay', async ({ through: { proxy, client } }) => {
    const c = await client()
    const select = async () => expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    const baseline = await fastest(select, 5)
    await using _slow = proxy.latency({ ms: 100 })
    // Every answer waits 100 ms; above that only what the machine adds (generous margin).
    const slowed = await fastest(select, 2)
    expect(slowed).toBeGreaterThanOrEqual(100)
    expect(slowed - baseline).toBeLessThan(100 + 500)
  })

  test('reset: the query fails with the connection', async ({ through: { proxy, client } }) => {
    const c = await client()
    await using _reset = proxy.reset()
    const error = await failure(c.query('SELECT 1'))
    expect(error.message).toMatch(/ECONNRESET|terminated|not queryable/i)
  })
})

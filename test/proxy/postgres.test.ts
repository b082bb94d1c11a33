import { createProxy, type FaultProxy, postgres } from '@faultline/proxy'
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { failure, images, timed } from './support.js'

// The split-brain scenario and the other PostgreSQL triggers, with a real `pg` client through the proxy
// and a direct client as the witness of what the server committed.

let container: StartedPostgreSqlContainer
let direct: pg.Client
let proxy: FaultProxy
const clients: pg.Client[] = []

beforeAll(async () => {
  container = await new PostgreSqlContainer(images.postgres).start()
  direct = new pg.Client({ connectionString: container.getConnectionUri() })
  await direct.connect()
  await direct.query('CREATE TABLE ledger (id serial PRIMARY KEY, batch text NOT NULL)')
}, 120_000) // a container start on a busy machine can take longer than the 10 s hook default

afterAll(async () => {
  await direct?.end()
  await container?.stop()
}, 60_000)

beforeEach(async () => {
  proxy = await createProxy({
    upstream: `${container.getHost()}:${container.getPort()}`,
    protocol: 'postgres',
  })
})

afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => {})
  await proxy.close()
})

async function client(options: { query_timeout?: number } = {}): Promise<pg.Client> {
  const c = new pg.Client({
    host: proxy.host,
    port: proxy.port,
    user: container.getUsername(),
    password: container.getPassword(),
    database: container.getDatabase(),
    ...options,
  })
  c.on('error', () => {})
  clients.push(c)
  await c.connect()
  return c
}

const rows = async (batch: string): Promise<number> =>
  Number((await direct.query('SELECT count(*) AS n FROM ledger WHERE batch = $1', [batch])).rows[0].n)

// BEGIN, three inserts, COMMIT: the transaction whose all-or-nothing outcome the tests check.
async function transfer(c: pg.Client, batch: string, extended = false): Promise<void> {
  await c.query('BEGIN')
  for (let i = 0; i < 3; i++) await c.query('INSERT INTO ledger (batch) VALUES ($1)', [batch])
  // A named statement goes through Parse/Bind/Execute: the extended protocol.
  await c.query(extended ? { name: 'commit', text: 'COMMIT' } : 'COMMIT')
}

describe('pass-through', () => {
  it('round-trips random bytes and text byte-exactly', async () => {
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
  it('before COMMIT (simple protocol): the client fails and nothing is committed', async () => {
    const c = await client()
    const cut = proxy.trigger(postgres.commit())
    const error = await failure(transfer(c, 'simple-before'))
    expect(error.message).toMatch(/ECONNRESET|terminated/i)
    expect(cut.hits.map((h) => h.message)).toEqual(['Q COMMIT'])
    expect(await rows('simple-before')).toBe(0)
  })

  it('before COMMIT (extended protocol): nothing is committed', async () => {
    const c = await client()
    const cut = proxy.trigger(postgres.commit(), { action: 'close' })
    await failure(transfer(c, 'extended-before', true))
    expect(cut.hits.map((h) => h.message)).toEqual(['E COMMIT'])
    expect(await rows('extended-before')).toBe(0)
  })

  it('right after COMMIT went out: the client fails, the transaction is whole (here: committed)', async () => {
    const c = await client()
    await using _cut = proxy.trigger(postgres.commit(), { at: 'after' })
    await failure(transfer(c, 'in-flight', true))
    await expect.poll(() => rows('in-flight')).toBe(3)
  })

  it('black hole at COMMIT: the client times out, the server never commits', async () => {
    const c = await client({ query_timeout: 500 })
    await using _hole = proxy.trigger(postgres.commit(), { action: 'blackHole' })
    const error = await failure(transfer(c, 'black-hole'))
    expect(error.message).toMatch(/timeout/i)
    expect(await rows('black-hole')).toBe(0)
  })

  it('at the n-th query: the first queries pass, the n-th is cut', async () => {
    const c = await client()
    const cut = proxy.trigger(postgres.query(), { nth: 3 })
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect((await c.query({ text: 'SELECT $1::int AS two', values: [2] })).rows).toEqual([{ two: 2 }])
    await failure(c.query('SELECT 3'))
    expect(cut.hits.map((h) => h.message)).toEqual(['Q SELECT 3'])
  })
})

describe('docs/proxy.md', () => {
  it('cut at COMMIT', async () => {
    const postgresAddress = `${container.getHost()}:${container.getPort()}`
    const credentials = {
      user: container.getUsername(),
      password: container.getPassword(),
      database: container.getDatabase(),
    }
    // #region cutAtCommit
    await using proxy = await createProxy({ upstream: postgresAddress, protocol: 'postgres' })
    const client = new pg.Client({ ...credentials, host: proxy.host, port: proxy.port })
    client.on('error', () => {}) // the cut also surfaces as an 'error' event
    await client.connect()

    await using cut = proxy.trigger(postgres.commit()) // RST before COMMIT reaches the server
    await client.query('BEGIN')
    await client.query("INSERT INTO ledger (batch) VALUES ('docs')")
    await expect(client.query('COMMIT')).rejects.toThrow()

    expect(cut.hits.map((hit) => hit.message)).toEqual(['Q COMMIT'])
    expect(await rows('docs')).toBe(0) // never committed: all or nothing
    // #endregion
  })
})

describe('faults seen by pg', () => {
  it('latency: a query takes at least the added delay', async () => {
    const c = await client()
    await using _slow = proxy.latency({ ms: 100 })
    const q = await timed(() => c.query('SELECT 1'))
    expect(q.result.status).toBe('fulfilled')
    expect(q.ms).toBeGreaterThanOrEqual(99)
  })

  it('reset: the query fails with the connection', async () => {
    const c = await client()
    await using _reset = proxy.reset()
    const error = await failure(c.query('SELECT 1'))
    expect(error.message).toMatch(/ECONNRESET|terminated|not queryable/i)
  })
})

import { setTimeout as sleep } from 'node:timers/promises'
import { postgresContainer } from '@faultline/containers'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { containerState, ensureRunning } from './container-state.js'

describe('PostgreSQL container chaos', () => {
  let db: Awaited<ReturnType<ReturnType<typeof postgresContainer>['start']>>

  beforeAll(async () => {
    db = await postgresContainer().start('chaos-pg')
  })
  afterEach(async () => {
    await ensureRunning(db)
  })
  afterAll(async () => {
    await db?.close()
  })

  test('pause makes a query hang until unpause (a true black hole), then it answers', async () => {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    try {
      await db.pause()
      let settled = false
      const pending = client.query('SELECT 42 AS answer').finally(() => {
        settled = true
      })
      await sleep(1_000)
      expect(settled).toBe(false)
      await db.unpause()
      const { rows } = await pending
      expect(rows[0].answer).toBe(42)
    } finally {
      await client.end()
    }
  })

  test('a pause left by a block that throws is healed: the waiting query answers, client.end() returns', async () => {
    const client = new pg.Client({ connectionString: db.url })
    client.on('error', () => {})
    await client.connect()
    let pending: Promise<pg.QueryResult> | undefined
    const thrown = await (async () => {
      await using _paused = await db.pause()
      pending = client.query('SELECT 42 AS answer')
      throw new Error('the test failed mid-pause')
    })().catch((error: unknown) => error)
    expect((thrown as Error).message).toBe('the test failed mid-pause')
    const { rows } = await pending!
    expect(rows[0].answer).toBe(42)
    await client.end() // against a frozen server this would wait forever
  })

  test('restart breaks open connections and the service answers again afterwards', async () => {
    const client = new pg.Client({ connectionString: db.url })
    client.on('error', () => {})
    await client.connect()
    await db.restart({ timeout: 1_000 })
    await expect(client.query('SELECT 1')).rejects.toThrow()
    await client.end().catch(() => {})
    const again = new pg.Client({ connectionString: db.url })
    await again.connect()
    const { rows } = await again.query('SELECT 1 AS one')
    expect(rows[0].one).toBe(1)
    await again.end()
  })

  test('disconnect: queries fail during the partition (bounded by the client timeout); heal brings the server back as it was', async () => {
    const options = { connectionString: db.url, connectionTimeoutMillis: 2_000, query_timeout: 2_000 }
    const client = new pg.Client({ ...options })
    client.on('error', () => {})
    await client.connect()
    await client.query('CREATE TABLE across (v text)')
    await client.query("INSERT INTO across VALUES ('kept')")
    const before = await containerState(db)
    {
      await using cut = await db.disconnect()
      expect(cut.name).toBe('chaos-pg disconnected')
      expect(await containerState(db)).toMatchObject({ running: true, networks: [] })
      // The open connection and a new one both fail, within the client's own timeouts.
      await expect(client.query('SELECT 1')).rejects.toThrow()
      const fresh = new pg.Client(options)
      fresh.on('error', () => {})
      await expect(fresh.connect()).rejects.toThrow()
      await fresh.end().catch(() => {})
    } // reconnected here, and answering
    await client.end().catch(() => {})
    expect(await containerState(db)).toMatchObject({ networks: before!.networks })
    // The server kept running through the partition: same process, same data.
    expect((await containerState(db))!.startedAt).toBe(before!.startedAt)
    const again = new pg.Client(options)
    await again.connect()
    try {
      const { rows } = await again.query('SELECT v FROM across')
      expect(rows).toEqual([{ v: 'kept' }])
    } finally {
      await again.end()
    }
  })

  test('stop then start keeps the data and the URL', async () => {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    await client.query('CREATE TABLE kept (v text)')
    await client.query("INSERT INTO kept VALUES ('durable')")
    await client.end()
    await db.stop()
    await db.start()
    const again = new pg.Client({ connectionString: db.url })
    await again.connect()
    const { rows } = await again.query('SELECT v FROM kept')
    expect(rows).toEqual([{ v: 'durable' }])
    await again.end()
  })
})

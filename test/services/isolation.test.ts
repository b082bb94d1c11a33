import { expect, test } from '@faultline/vitest'
import pg from 'pg'
import { describe } from 'vitest'

// Every test here checks that it starts from a clean state and then dirties it, under the same names as
// its twin: run alone it proves the fixture hands out a clean copy, run after its twin (in any order) it
// proves the twin's writes did not leak. The sequence write → release → take again is also checked inside
// one test, so nothing depends on the order the tests run in.
describe('per-test isolation', () => {
  for (const twin of [1, 2]) {
    test(`PostgreSQL: the test's database is a fresh copy of the template (twin ${twin})`, async ({
      postgres,
    }) => {
      const { rows } = await postgres.client.query('SELECT sum(balance)::int AS total FROM accounts')
      expect(rows[0].total).toBe(150)
      const { rowCount } = await postgres.client.query(
        "SELECT 1 FROM pg_tables WHERE tablename = 'leftovers'",
      )
      expect(rowCount).toBe(0)
      await postgres.client.query('UPDATE accounts SET balance = 0')
      await postgres.client.query('CREATE TABLE leftovers (id int)')
    })

    test(`Redis: the test's key space is empty (twin ${twin})`, async ({ redis }) => {
      expect(await redis.client.dbsize()).toBe(0)
      await redis.client.set('shared-name', String(twin))
    })

    test(`RabbitMQ: the test's vhost has no queue of another test (twin ${twin})`, async ({ rabbitmq }) => {
      const probe = await rabbitmq.connection.createChannel()
      probe.on('error', () => {})
      await expect(probe.checkQueue('shared-queue')).rejects.toThrow(/NOT_FOUND/)
      await rabbitmq.channel.assertQueue('shared-queue')
      rabbitmq.channel.sendToQueue('shared-queue', Buffer.from('x'))
    })
  }

  test('PostgreSQL: a database written and dropped leaves nothing in the next one', async ({ services }) => {
    const service = services.postgres()
    const first = await service.isolate()
    const writer = new pg.Client({ connectionString: first.url })
    await writer.connect()
    await writer.query('UPDATE accounts SET balance = 0')
    await writer.query('CREATE TABLE leftovers (id int)')
    await writer.end()
    await first.drop()

    await using second = await service.isolate()
    expect(second.database).not.toBe(first.database)
    const reader = new pg.Client({ connectionString: second.url })
    await reader.connect()
    try {
      const { rows } = await reader.query('SELECT sum(balance)::int AS total FROM accounts')
      expect(rows[0].total).toBe(150)
      const { rowCount } = await reader.query("SELECT 1 FROM pg_tables WHERE tablename = 'leftovers'")
      expect(rowCount).toBe(0)
    } finally {
      await reader.end()
    }
  })

  test('Redis: a key space written and released is empty when taken again', async ({ services }) => {
    const service = services.redis()
    const first = await service.isolate()
    const writer = service.client(first.db)
    await writer.connect()
    await writer.set('shared-name', 'first')
    writer.disconnect()
    await first.release()

    await using second = await service.isolate()
    const reader = service.client(second.db)
    await reader.connect()
    try {
      expect(await reader.dbsize()).toBe(0)
    } finally {
      reader.disconnect()
    }
  })

  describe.concurrent('concurrent tests never share a key space or a database', () => {
    for (const n of [1, 2, 3, 4]) {
      test(`writer ${n}`, async ({ redis, postgres }) => {
        await redis.client.set('owner', String(n))
        await postgres.client.query('UPDATE accounts SET balance = $1', [n])
        await new Promise((r) => setTimeout(r, 50))
        expect(await redis.client.get('owner')).toBe(String(n))
        const { rows } = await postgres.client.query('SELECT DISTINCT balance FROM accounts')
        expect(rows).toEqual([{ balance: n }])
      })
    }
  })

  test('isolated resources are gone after their test', async ({ services }) => {
    const pgService = services.postgres()
    const db = await pgService.isolate()
    await db.drop()
    const admin = pgService.client('postgres')
    await admin.connect()
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.database])
    await admin.end()
    expect(rowCount).toBe(0)

    const mq = services.rabbitmq()
    const vhost = await mq.isolate()
    await vhost.delete()
    const vhosts = (await mq.management('GET', '/vhosts')) as { name: string }[]
    expect(vhosts.map((v) => v.name)).not.toContain(vhost.vhost)
  })

  // A pool's end() resolves before its connections are closed; a DROP … WITH (FORCE) at that moment
  // terminated them (57P01) and the pool re-emitted that as an 'error' nobody listens to: an unhandled error
  // in whichever test ran next. The drop now lets closing connections finish first.
  test("a database dropped right after pool.end() does not terminate the pool's closing connections", async ({
    services,
  }) => {
    const service = services.postgres()
    const errors: string[] = []
    for (let round = 0; round < 5; round++) {
      const db = await service.isolate()
      const pool = new pg.Pool({ connectionString: db.url, max: 5 })
      pool.on('error', (error: Error & { code?: string }) => errors.push(`${error.code}: ${error.message}`))
      let open = 0
      const closed = new Promise<void>((resolve) => {
        pool.on('connect', () => open++)
        pool.on('remove', () => {
          if (--open === 0) resolve()
        })
      })
      await Promise.all(Array.from({ length: 20 }, () => pool.query('SELECT pg_sleep(0.01)')))
      await pool.end()
      await db.drop()
      await closed // every connection of the pool has really ended (an error would have arrived before)
    }
    expect(errors).toEqual([])
  })
})

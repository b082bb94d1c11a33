import { expect, test } from '@faultline/vitest'
import { describe } from 'vitest'

// Each pair of tests writes the same names; the second must never see the first one's data.
describe('per-test isolation', () => {
  test('PostgreSQL: a write in one test…', async ({ postgres }) => {
    await postgres.client.query('UPDATE accounts SET balance = 0')
    await postgres.client.query('CREATE TABLE leftovers (id int)')
  })
  test('…is not seen by the next', async ({ postgres }) => {
    const { rows } = await postgres.client.query('SELECT sum(balance)::int AS total FROM accounts')
    expect(rows[0].total).toBe(150)
    const { rowCount } = await postgres.client.query("SELECT 1 FROM pg_tables WHERE tablename = 'leftovers'")
    expect(rowCount).toBe(0)
  })

  test('Redis: a key set in one test…', async ({ redis }) => {
    await redis.client.set('shared-name', 'first')
  })
  test('…is absent in the next', async ({ redis }) => {
    expect(await redis.client.get('shared-name')).toBeNull()
    expect(await redis.client.dbsize()).toBe(0)
  })

  test('RabbitMQ: a queue declared in one test…', async ({ rabbitmq }) => {
    await rabbitmq.channel.assertQueue('shared-queue')
    rabbitmq.channel.sendToQueue('shared-queue', Buffer.from('x'))
  })
  test('…does not exist in the next', async ({ rabbitmq }) => {
    const probe = await rabbitmq.connection.createChannel()
    probe.on('error', () => {})
    await expect(probe.checkQueue('shared-queue')).rejects.toThrow(/NOT_FOUND/)
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
    const pg = services.postgres()
    const db = await pg.isolate()
    await db.drop()
    const admin = pg.client('postgres')
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
})

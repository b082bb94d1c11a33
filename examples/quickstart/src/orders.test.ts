import { redisContainer } from '@faultline/containers'
import { expect, test } from '@faultline/vitest'
import { Redis } from 'ioredis'
import { OrderService } from './orders.js'

// `postgres`, `redis` and `rabbitmq` are fixtures: a fresh database, key space and vhost for this test,
// with connected clients, all removed afterwards.
test('places an order: stored, counted and announced', async ({ postgres, redis, rabbitmq }) => {
  const orders = new OrderService(postgres.client, redis.client, rabbitmq.channel)

  await orders.place({ id: 'o-1', customer: 'ada', totalCents: 4200 })

  const { rows } = await postgres.client.query('SELECT order_count FROM customers WHERE name = $1', ['ada'])
  expect(rows).toEqual([{ order_count: 1 }])
  const message = await rabbitmq.channel.get('orders.placed', { noAck: true })
  expect(message && JSON.parse(message.content.toString())).toMatchObject({ id: 'o-1' })
})

test('a failed order leaves nothing behind', async ({ postgres, redis, rabbitmq }) => {
  const orders = new OrderService(postgres.client, redis.client, rabbitmq.channel)
  await orders.place({ id: 'o-1', customer: 'ada', totalCents: 4200 })

  // Same id again: the INSERT fails, and the customer's count must not move.
  await expect(orders.place({ id: 'o-1', customer: 'ada', totalCents: 1 })).rejects.toThrow(/duplicate key/)
  const { rows } = await postgres.client.query('SELECT order_count FROM customers WHERE name = $1', ['ada'])
  expect(rows).toEqual([{ order_count: 1 }])
})

// Chaos gets a Redis of its own, so that stopping it disturbs no other test.
test('reads keep working while Redis is down, and use the cache again once it is back', async ({
  postgres,
  rabbitmq,
}) => {
  await using cache = await redisContainer().start('orders-cache')
  const client = new Redis(cache.url, {
    commandTimeout: 200,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  })
  client.on('error', () => {})
  try {
    const orders = new OrderService(postgres.client, client, rabbitmq.channel)
    await orders.place({ id: 'o-2', customer: 'grace', totalCents: 990 })
    expect(await orders.get('o-2')).toMatchObject({ customer: 'grace' })

    const outage = await cache.stop({ timeout: 1_000 }) // a fault: heal() starts Redis again
    expect(await orders.get('o-2')).toMatchObject({ customer: 'grace' }) // served by PostgreSQL alone

    await outage.heal()
    await expect.poll(() => client.ping().catch(() => 'down'), { timeout: 10_000 }).toBe('PONG')
    await orders.get('o-2')
    expect(await client.get('order:o-2')).not.toBeNull()
  } finally {
    client.disconnect()
  }
})

import { setTimeout as sleep } from 'node:timers/promises'
import { monitorPgConnections, monitorQueueDepth, monitorRedisMemory } from '@faultline/containers'
import { expect, test } from '@faultline/vitest'
import pg from 'pg'
import { describe } from 'vitest'

// Monitors sample a service while the code under test runs; the matchers judge the samples.

describe('PostgreSQL connections: pool exhaustion', () => {
  const burst = async (query: () => Promise<unknown>) => Promise.all(Array.from({ length: 30 }, query))

  // The fixture's own client stays connected: the monitor counts only the code under test's connections.
  test('a pool of 5 never holds more than 5 connections under 30 concurrent queries', async ({
    postgres,
    services,
  }) => {
    const connections = monitorPgConnections(services.postgres(), {
      database: postgres.database,
      interval: 20,
    })
    const pool = new pg.Pool({ connectionString: postgres.url, max: 5 })
    await burst(() => pool.query('SELECT pg_sleep(0.1)'))
    await pool.end()
    const monitor = await connections.stop()
    expect(monitor).toNeverExceed(5)
    // It saw the pool at its size: a monitor that counted nothing would pass the line above too.
    expect(Math.max(...monitor.samples.map((s) => s.value))).toBe(5)
  })

  test('a client per query is caught exceeding the budget', async ({ postgres, services }) => {
    const connections = monitorPgConnections(services.postgres(), {
      database: postgres.database,
      interval: 20,
    })
    await burst(async () => {
      const client = new pg.Client({ connectionString: postgres.url })
      await client.connect()
      await client.query('SELECT pg_sleep(0.1)')
      await client.end()
    })
    const monitor = await connections.stop()
    expect(() => expect(monitor).toNeverExceed(5)).toThrow(
      /postgres connections to t_\w+ peaked at \d+ connections > 5 connections; \d+ samples above/,
    )
  })
})

describe('Redis memory: leaks', () => {
  const churn = async (redis: { client: import('ioredis').Redis }, leak: boolean) => {
    const value = 'x'.repeat(2_048)
    for (let round = 0; round < 40; round++) {
      const keys = Array.from({ length: 100 }, (_, i) => `session:${round}:${i}`)
      await redis.client.mset(...keys.flatMap((k) => [k, value]))
      if (!leak) await redis.client.del(...keys)
      await sleep(25)
    }
  }

  test('sessions created and deleted keep memory stable', async ({ redis, services }) => {
    const memory = monitorRedisMemory(services.redis(), { interval: 50 })
    await churn(redis, false)
    expect(await memory.stop()).toBeStable({ maxGrowth: 512 * 1024 })
  })

  test('sessions never deleted are caught as a leak', async ({ redis, services }) => {
    const memory = monitorRedisMemory(services.redis(), { interval: 50 })
    await churn(redis, true)
    const monitor = await memory.stop()
    expect(() => expect(monitor).toBeStable({ maxGrowth: 512 * 1024 })).toThrow(
      /redis memory of cache trend rose [\d.]+ MiB .* > 512\.0 KiB allowed/,
    )
  })
})

describe('RabbitMQ back-pressure: consumers gone, producers keep publishing', () => {
  async function publishFor(channel: import('amqplib').ConfirmChannel, queue: string) {
    let acked = 0
    let nacked = 0
    const confirms: Promise<void>[] = []
    for (let i = 0; i < 200; i++) {
      confirms.push(
        new Promise<void>((resolve) =>
          channel.sendToQueue(queue, Buffer.from(`m${i}`), { persistent: true }, (err) => {
            if (err) nacked++
            else acked++
            resolve()
          }),
        ),
      )
      if (i % 10 === 9) await sleep(10) // about 100 messages per second... on a good day, bounded by the count
    }
    await Promise.all(confirms)
    return { acked, nacked }
  }

  test('x-max-length with reject-publish keeps the queue bounded and nacks the overflow', async ({
    rabbitmq,
    services,
  }) => {
    const channel = await rabbitmq.connection.createConfirmChannel()
    await channel.assertQueue('jobs', {
      durable: true,
      arguments: { 'x-max-length': 50, 'x-overflow': 'reject-publish' },
    })
    const depth = monitorQueueDepth(services.rabbitmq(), 'jobs', { vhost: rabbitmq.vhost, interval: 20 })
    const { acked, nacked } = await publishFor(channel, 'jobs')
    expect(await depth.stop()).toNeverExceed(50)
    expect({ acked, nacked }).toEqual({ acked: 50, nacked: 150 }) // the publisher hears "no" for each one over
  })

  test('a queue without a bound is caught growing past it', async ({ rabbitmq, services }) => {
    const channel = await rabbitmq.connection.createConfirmChannel()
    await channel.assertQueue('jobs', { durable: true })
    const depth = monitorQueueDepth(services.rabbitmq(), 'jobs', { vhost: rabbitmq.vhost, interval: 20 })
    await publishFor(channel, 'jobs')
    await sleep(50)
    const monitor = await depth.stop()
    expect(() => expect(monitor).toNeverExceed(50)).toThrow(
      /depth of queue jobs peaked at 200 messages > 50 messages/,
    )
  })
})

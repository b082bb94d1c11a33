import type { IsolatedDatabase, IsolatedKeyspace, IsolatedVhost } from '@faultline/containers'
import type amqp from 'amqplib'
import type { Redis } from 'ioredis'
import type pg from 'pg'
import { test as base } from 'vitest'
import { type Services, useServices } from './services.js'

/** The `postgres` fixture: a fresh database for this test and a connected client. */
export interface PostgresFixture extends IsolatedDatabase {
  client: pg.Client
}
/** The `redis` fixture: a clean logical database for this test and a connected client. */
export interface RedisFixture extends IsolatedKeyspace {
  client: Redis
}
/** The `rabbitmq` fixture: a fresh vhost for this test, a connection and a channel. */
export interface RabbitMQFixture extends IsolatedVhost {
  connection: amqp.ChannelModel
  channel: amqp.Channel
}

/**
 * Vitest's `test`, with Faultline's fixtures. Each is set up only when a test asks for it:
 * - `services`: handles to the services the plugin started (worker-scoped);
 * - `postgres`: a fresh database copied from the template, with a connected `pg` client;
 * - `redis`: a clean logical database with a connected `ioredis` client;
 * - `rabbitmq`: a fresh vhost with an `amqplib` connection and channel.
 * Everything is closed and dropped after the test, whether it passed or failed.
 *
 * @example
 * import { test, expect } from '@faultline/vitest'
 *
 * test('stores an order', async ({ postgres }) => {
 *   await postgres.client.query('CREATE TABLE orders (id int)')
 *   await postgres.client.query('INSERT INTO orders VALUES (1)')
 *   const { rowCount } = await postgres.client.query('SELECT * FROM orders')
 *   expect(rowCount).toBe(1)
 * })
 */
export const test = base
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from the pattern.
  .extend('services', { scope: 'worker' }, async ({}, { onCleanup }): Promise<Services> => {
    const services = useServices()
    onCleanup(() => services.close())
    return services
  })
  .extend('postgres', async ({ services }, { onCleanup }): Promise<PostgresFixture> => {
    const database = await services.postgres().isolate()
    const { default: pgModule } = await import('pg')
    const client = new pgModule.Client({ connectionString: database.url })
    client.on('error', () => {})
    // One clean-up per fixture: the client first, so that the drop does not have to force it out.
    onCleanup(async () => {
      await client.end().catch(() => {})
      await database.drop()
    })
    await client.connect()
    return Object.assign(database, { client })
  })
  .extend('redis', async ({ services }, { onCleanup }): Promise<RedisFixture> => {
    const keyspace = await services.redis().isolate()
    const { Redis: RedisClient } = await import('ioredis')
    const client = new RedisClient(keyspace.url, { lazyConnect: true })
    client.on('error', () => {})
    onCleanup(async () => {
      client.disconnect()
      await keyspace.release()
    })
    await client.connect()
    return Object.assign(keyspace, { client })
  })
  .extend('rabbitmq', async ({ services }, { onCleanup }): Promise<RabbitMQFixture> => {
    const vhost = await services.rabbitmq().isolate()
    const { default: amqpModule } = await import('amqplib')
    let connection: amqp.ChannelModel | undefined
    onCleanup(async () => {
      await connection?.close().catch(() => {})
      await vhost.delete()
    })
    connection = await amqpModule.connect(vhost.url)
    connection.on('error', () => {})
    const channel = await connection.createChannel()
    channel.on('error', () => {})
    return Object.assign(vhost, { connection, channel })
  })

export { expect } from 'vitest'

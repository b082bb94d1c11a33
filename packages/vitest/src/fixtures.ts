import {
  FIXTURE_APPLICATION_NAME,
  type IsolatedDatabase,
  type IsolatedKeyspace,
  type IsolatedVhost,
} from '@faultline/containers'
import { FaultlineError } from '@faultline/core'
import type amqp from 'amqplib'
import type { Redis } from 'ioredis'
import type pg from 'pg'
import { test as base } from 'vitest'
import { type Services, useServices } from './services.js'

// How long a fixture's client gets to close cleanly. A healthy server answers in milliseconds; one that is
// still frozen (a pause nobody healed) never does, and then the socket is destroyed instead.
const CLOSE_WITHIN_MS = 5_000

/**
 * Waits for `closing` up to CLOSE_WITHIN_MS (its error, if any, is thrown); past that, calls `giveUp` and
 * resolves false: the server did not answer.
 */
async function closeWithin(closing: Promise<unknown>, giveUp: () => void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CLOSE_WITHIN_MS)
  })
  try {
    if ((await Promise.race([closing, timedOut])) !== 'timeout') return true
  } finally {
    clearTimeout(timer)
  }
  giveUp()
  return false
}

/** The socket under a `pg` client or an `amqplib` connection, to destroy when closing cleanly hangs. */
function destroySocket(owner: unknown): void {
  const stream = (owner as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream
  stream?.destroy?.()
}

/** The error a fixture throws when its service did not answer after the test. */
function notAnswering(service: string, what: string): FaultlineError {
  return new FaultlineError(
    'SERVICE_NOT_ANSWERING',
    `service '${service}' did not answer while closing the test's ${what} within ${CLOSE_WITHIN_MS} ms; ` +
      "the test's isolated resources were left for the end of the run. " +
      'Fix: disturb shared services through the `services` fixture or useServices() (their faults are healed ' +
      'after each test), or heal what you start: `await using paused = await services.postgres().pause()`.',
  )
}

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
 * Everything is closed and dropped after the test, whether it passed or failed; before that, the faults the
 * test started on the shared services (pause, stop, kill, restart) are healed, so a test that fails
 * mid-pause leaves the next one a working service.
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
    const service = services.postgres()
    const database = await service.isolate()
    const { default: pgModule } = await import('pg')
    // Named, so that monitorPgConnections() counts the code under test's connections, not this one.
    const client = new pgModule.Client({
      connectionString: database.url,
      application_name: FIXTURE_APPLICATION_NAME,
    })
    client.on('error', () => {})
    // One clean-up per fixture: the client first, so that the drop does not have to force it out.
    onCleanup(async () => {
      if (
        !(await closeWithin(
          client.end().catch(() => {}),
          () => destroySocket(client),
        ))
      )
        throw notAnswering(service.name, 'PostgreSQL client')
      await database.drop()
    })
    await client.connect()
    return Object.assign(database, { client })
  })
  .extend('redis', async ({ services }, { onCleanup }): Promise<RedisFixture> => {
    const service = services.redis()
    const keyspace = await service.isolate()
    const { Redis: RedisClient } = await import('ioredis')
    const client = new RedisClient(keyspace.url, { lazyConnect: true })
    client.on('error', () => {})
    onCleanup(async () => {
      client.disconnect()
      // The flush is the one step here that talks to the server.
      if (!(await closeWithin(keyspace.release(), () => {})))
        throw notAnswering(service.name, 'key space (FLUSHDB)')
    })
    await client.connect()
    return Object.assign(keyspace, { client })
  })
  .extend('rabbitmq', async ({ services }, { onCleanup }): Promise<RabbitMQFixture> => {
    const service = services.rabbitmq()
    const vhost = await service.isolate()
    const { default: amqpModule } = await import('amqplib')
    let connection: amqp.ChannelModel | undefined
    onCleanup(async () => {
      const model = connection
      if (
        model &&
        !(await closeWithin(
          model.close().catch(() => {}),
          () => destroySocket(model),
        ))
      )
        throw notAnswering(service.name, 'AMQP connection')
      await vhost.delete()
    })
    connection = await amqpModule.connect(vhost.url)
    connection.on('error', () => {})
    const channel = await connection.createChannel()
    channel.on('error', () => {})
    return Object.assign(vhost, { connection, channel })
  })

export { expect } from 'vitest'

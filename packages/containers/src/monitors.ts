import { Monitor, type MonitorOptions } from '@faultline/core'
import amqp from 'amqplib'
import { Redis } from 'ioredis'
import pg from 'pg'
import { FAULTLINE_APPLICATION_PREFIX, type PostgresService } from './postgres.js'
import type { RabbitMQService } from './rabbitmq.js'
import type { RedisService } from './redis.js'

type Options = Omit<MonitorOptions, 'cleanup'>

/**
 * Samples the number of client connections to a PostgreSQL database (`pg_stat_activity`): pool exhaustion
 * and connection leaks show here. Only the code under test's connections count: Faultline's own — this
 * monitor's, the `postgres` fixture's client, isolation and readiness probes, all with an
 * `application_name` starting with `faultline:` — are left out.
 *
 * @example
 * test('the pool holds at most 5 connections', async ({ postgres, services }) => {
 *   const connections = monitorPgConnections(services.postgres(), { database: postgres.database })
 *   await load()
 *   expect(await connections.stop()).toNeverExceed(5)
 * })
 */
export function monitorPgConnections(
  service: PostgresService,
  options: Options & { database?: string } = {},
): Monitor {
  const database = options.database ?? service.info.database
  const client = new pg.Client({
    connectionString: service.urlFor('postgres'),
    application_name: `${FAULTLINE_APPLICATION_PREFIX}monitor`,
  })
  client.on('error', () => {})
  const connected = client.connect()
  return new Monitor(
    `postgres connections to ${database}`,
    async () => {
      await connected
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'
           AND pid <> pg_backend_pid() AND left(application_name, $2) <> $3`,
        [database, FAULTLINE_APPLICATION_PREFIX.length, FAULTLINE_APPLICATION_PREFIX],
      )
      return rows[0]!.n
    },
    { unit: 'connections', ...options, cleanup: () => client.end().catch(() => {}) },
  )
}

function redisMonitor(
  name: string,
  unit: string,
  service: RedisService,
  read: (info: string) => number,
  options: Options,
) {
  const client = new Redis(service.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  })
  client.on('error', () => {})
  const connected = client.connect()
  return new Monitor(
    name,
    async () => {
      await connected
      return read(await client.info())
    },
    { unit, ...options, cleanup: () => client.disconnect() },
  )
}

const field = (info: string, key: string) =>
  Number(new RegExp(`^${key}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN)

/** Samples Redis's connected clients (the monitor's own excluded). */
export function monitorRedisClients(service: RedisService, options: Options = {}): Monitor {
  return redisMonitor(
    `redis clients of ${service.name}`,
    'clients',
    service,
    (info) => field(info, 'connected_clients') - 1,
    options,
  )
}

/** Samples Redis's memory in use (`used_memory`, bytes): a cache that leaks keys shows here. */
export function monitorRedisMemory(service: RedisService, options: Options = {}): Monitor {
  return redisMonitor(
    `redis memory of ${service.name}`,
    'bytes',
    service,
    (info) => field(info, 'used_memory'),
    options,
  )
}

/**
 * Samples the depth of a RabbitMQ queue (messages ready, from `queue.declare` passive: exact at each
 * sample, unlike the management API's 5-second statistics).
 */
export function monitorQueueDepth(
  service: RabbitMQService,
  queue: string,
  options: Options & { vhost?: string } = {},
): Monitor {
  const opened = (async () => {
    const connection = await amqp.connect(service.urlFor(options.vhost ?? service.info.vhost))
    connection.on('error', () => {})
    const channel = await connection.createChannel()
    channel.on('error', () => {})
    return { connection, channel }
  })()
  opened.catch(() => {})
  return new Monitor(
    `depth of queue ${queue}`,
    async () => (await (await opened).channel.checkQueue(queue)).messageCount,
    {
      unit: 'messages',
      ...options,
      cleanup: async () => {
        const { connection } = await opened.catch(() => ({ connection: undefined }))
        await connection?.close().catch(() => {})
      },
    },
  )
}

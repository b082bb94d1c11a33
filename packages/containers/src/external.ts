import { FaultlineArgumentError } from '@faultline/core'
import type { PostgresInfo, RabbitMQInfo, RedisInfo } from './info.js'
import { PostgresService, prepareTemplate } from './postgres.js'
import { RabbitMQService } from './rabbitmq.js'
import { RedisService } from './redis.js'

/** Where an external service's URL comes from. */
export interface ExternalOptions {
  /** The URL itself; wins over `env`. */
  url?: string
  /** The environment variable holding the URL. */
  env?: string
}

function resolveUrl(
  kind: string,
  options: ExternalOptions,
  defaultEnv: string,
  callee: (...a: never[]) => unknown,
) {
  const env = options.env ?? defaultEnv
  const raw = options.url ?? process.env[env]
  if (!raw) {
    throw new FaultlineArgumentError(
      options.url === undefined ? env : 'options.url',
      `no URL for the external ${kind} service. Fix: set ${env} (e.g. in your CI's service configuration) or pass { url }.`,
      callee,
    )
  }
  try {
    return new URL(raw)
  } catch {
    throw new FaultlineArgumentError(
      options.url === undefined ? env : 'options.url',
      `not a URL: ${raw}`,
      callee,
    )
  }
}

const port = (url: URL, fallback: number) => (url.port ? Number(url.port) : fallback)

/**
 * Services that somebody else runs — a CI's service containers, a shared staging database. They get the
 * same handles and per-test isolation as containers Faultline starts, but no container operations
 * (pause, stop, …): those throw NotAContainerError.
 */
export const external = {
  /** A PostgreSQL server at FAULTLINE_POSTGRES_URL (the user needs CREATEDB for per-test databases). */
  postgres(options: ExternalOptions & { isolationPool?: number } = {}) {
    const url = resolveUrl('PostgreSQL', options, 'FAULTLINE_POSTGRES_URL', external.postgres)
    return {
      kind: 'postgres' as const,
      options,
      external: true,
      async start(name = 'postgres'): Promise<PostgresService> {
        const info: PostgresInfo = {
          kind: 'postgres',
          name,
          host: url.hostname,
          port: port(url, 5432),
          url: url.toString(),
          username: decodeURIComponent(url.username),
          password: decodeURIComponent(url.password),
          database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
          templateDatabase: 'faultline_template',
          isolationPool: options.isolationPool ?? 0,
        }
        const service = new PostgresService(info)
        await service.waitUntilReady(30_000)
        await prepareTemplate(service)
        return service
      },
    }
  },
  /** A Redis server at FAULTLINE_REDIS_URL (16 logical databases unless configured otherwise). */
  redis(options: ExternalOptions & { databases?: number } = {}) {
    const url = resolveUrl('Redis', options, 'FAULTLINE_REDIS_URL', external.redis)
    return {
      kind: 'redis' as const,
      options,
      external: true,
      async start(name = 'redis'): Promise<RedisService> {
        const info: RedisInfo = {
          kind: 'redis',
          name,
          host: url.hostname,
          port: port(url, 6379),
          url: url.toString(),
          password: decodeURIComponent(url.password),
          databases: options.databases ?? 16,
        }
        const service = new RedisService(info)
        await service.waitUntilReady(30_000)
        return service
      },
    }
  },
  /** A RabbitMQ broker at FAULTLINE_RABBITMQ_URL, its management API at FAULTLINE_RABBITMQ_MANAGEMENT_URL
   * (default: the same host, port 15672). */
  rabbitmq(options: ExternalOptions & { managementUrl?: string } = {}) {
    const url = resolveUrl('RabbitMQ', options, 'FAULTLINE_RABBITMQ_URL', external.rabbitmq)
    return {
      kind: 'rabbitmq' as const,
      options,
      external: true,
      async start(name = 'rabbitmq'): Promise<RabbitMQService> {
        const info: RabbitMQInfo = {
          kind: 'rabbitmq',
          name,
          host: url.hostname,
          port: port(url, 5672),
          url: url.toString(),
          username: decodeURIComponent(url.username) || 'guest',
          password: decodeURIComponent(url.password) || 'guest',
          vhost: decodeURIComponent(url.pathname.slice(1)) || '/',
          managementUrl:
            options.managementUrl ??
            process.env.FAULTLINE_RABBITMQ_MANAGEMENT_URL ??
            `http://${url.hostname}:15672`,
        }
        const service = new RabbitMQService(info)
        await service.waitUntilReady(30_000)
        return service
      },
    }
  },
}

import { type Callee, FaultlineArgumentError } from '@faultline/core'
import type { ServiceKind } from './info.js'
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

/** The URL of an external service, from `options.url` or the environment, or an error that says what to set. */
function resolveUrl(label: string, options: ExternalOptions, defaultEnv: string, callee: Callee): URL {
  const env = options.env ?? defaultEnv
  const raw = options.url ?? process.env[env]
  const argument = options.url === undefined ? env : 'options.url'
  if (!raw) {
    throw new FaultlineArgumentError(
      argument,
      `no URL for the external ${label} service. Fix: set ${env} (e.g. in your CI's service configuration) or pass { url }.`,
      callee,
    )
  }
  try {
    return new URL(raw)
  } catch {
    throw new FaultlineArgumentError(argument, `not a URL: ${raw}`, callee)
  }
}

/** The parts of a URL every service's info has: name, host, port (or the protocol's default), URL. */
function address(url: URL, name: string, defaultPort: number) {
  const port = url.port ? Number(url.port) : defaultPort
  return { name, host: url.hostname, port, url: url.toString() }
}

const decode = (part: string) => decodeURIComponent(part)

// The definition of a service somebody else runs: no container; start() waits until it answers.
function externalDefinition<
  K extends ServiceKind,
  O extends ExternalOptions,
  S extends PostgresService | RedisService | RabbitMQService,
>(kind: K, options: O, make: (name: string) => S, prepare: (service: S) => Promise<void> = async () => {}) {
  return {
    kind,
    options,
    external: true,
    async start(name: string = kind): Promise<S> {
      const service = make(name)
      await service.waitUntilReady(30_000)
      await prepare(service)
      return service
    },
  }
}

/**
 * Services that somebody else runs — a CI's service containers, a shared staging database. They get the
 * same handles and per-test isolation as containers Faultline starts, but no container operations
 * (pause, stop, …): those throw NotAContainerError.
 *
 * @example
 * import { external } from '@faultline/containers'
 *
 * await using db = await external.postgres({ env: 'DATABASE_URL' }).start('db')
 * await using isolated = await db.isolate()
 */
export const external = {
  /** A PostgreSQL server at FAULTLINE_POSTGRES_URL (the user needs CREATEDB for per-test databases). */
  postgres(options: ExternalOptions & { isolationPool?: number } = {}) {
    const url = resolveUrl('PostgreSQL', options, 'FAULTLINE_POSTGRES_URL', external.postgres)
    const make = (name: string) =>
      new PostgresService({
        kind: 'postgres',
        ...address(url, name, 5432),
        username: decode(url.username),
        password: decode(url.password),
        database: decode(url.pathname.slice(1)) || 'postgres',
        templateDatabase: 'faultline_template',
        isolationPool: options.isolationPool ?? 0,
      })
    return externalDefinition('postgres', options, make, (service) => prepareTemplate(service))
  },
  /** A Redis server at FAULTLINE_REDIS_URL (16 logical databases unless configured otherwise). */
  redis(options: ExternalOptions & { databases?: number } = {}) {
    const url = resolveUrl('Redis', options, 'FAULTLINE_REDIS_URL', external.redis)
    const make = (name: string) =>
      new RedisService({
        kind: 'redis',
        ...address(url, name, 6379),
        password: decode(url.password),
        databases: options.databases ?? 16,
      })
    return externalDefinition('redis', options, make)
  },
  /** A RabbitMQ broker at FAULTLINE_RABBITMQ_URL, its management API at FAULTLINE_RABBITMQ_MANAGEMENT_URL
   * (default: the same host, port 15672). */
  rabbitmq(options: ExternalOptions & { managementUrl?: string } = {}) {
    const url = resolveUrl('RabbitMQ', options, 'FAULTLINE_RABBITMQ_URL', external.rabbitmq)
    const make = (name: string) =>
      new RabbitMQService({
        kind: 'rabbitmq',
        ...address(url, name, 5672),
        username: decode(url.username) || 'guest',
        password: decode(url.password) || 'guest',
        vhost: decode(url.pathname.slice(1)) || '/',
        managementUrl:
          options.managementUrl ??
          process.env.FAULTLINE_RABBITMQ_MANAGEMENT_URL ??
          `http://${url.hostname}:15672`,
      })
    return externalDefinition('rabbitmq', options, make)
  },
}

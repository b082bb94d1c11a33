import { FaultlineArgumentError } from '@faultline/core'
import { GenericService } from './generic.js'
import type { ServiceInfo, ServiceKind } from './info.js'
import { PostgresService } from './postgres.js'
import { RabbitMQService } from './rabbitmq.js'
import { RedisService } from './redis.js'

/** Any started service handle. */
export type AnyService = PostgresService | RedisService | RabbitMQService | GenericService

/**
 * What `postgresContainer()`, `redisContainer()`, `rabbitmqContainer()`, `container()` and `external.*()` return:
 * a service not yet started.
 */
export interface ServiceDefinition<S extends AnyService = AnyService> {
  readonly kind: ServiceKind
  readonly options: object
  /** True when somebody else runs the service (external.*()): no container, no Docker needed. */
  readonly external?: boolean
  start(name?: string): Promise<S>
}

/** True for a value returned by one of the service factories. */
export function isServiceDefinition(value: unknown): value is ServiceDefinition {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<ServiceDefinition>
  return (
    typeof candidate.start === 'function' &&
    (candidate.kind === 'postgres' ||
      candidate.kind === 'redis' ||
      candidate.kind === 'rabbitmq' ||
      candidate.kind === 'container')
  )
}

/**
 * Rebuilds a handle from the info a started service published (in a Vitest worker, from `inject`).
 * The handle can disturb the container but does not own it: closing it leaves the container running.
 */
export function serviceFromInfo(info: ServiceInfo): AnyService {
  switch (info.kind) {
    case 'postgres':
      return new PostgresService(info)
    case 'redis':
      return new RedisService(info)
    case 'rabbitmq':
      return new RabbitMQService(info)
    case 'container':
      return new GenericService(info)
    default:
      throw new FaultlineArgumentError(
        'info.kind',
        `unknown service kind ${JSON.stringify((info as { kind: unknown }).kind)}`,
      )
  }
}

export {
  type AnyService,
  isServiceDefinition,
  type ServiceDefinition,
  serviceFromInfo,
} from './definition.js'
export { assertDockerReachable } from './docker.js'
export { DockerUnreachableError, NotAContainerError, ServiceStartError } from './errors.js'
export { type ExternalOptions, external } from './external.js'
export { ContainerFault, type ContainerFaultKind } from './fault.js'
export { DEFAULT_IMAGES, defaultImage } from './images.js'
export type { PostgresInfo, RabbitMQInfo, RedisInfo, ServiceInfo, ServiceKind } from './info.js'
export { removeOnInterrupt, removeRunContainersNow } from './interrupt.js'
export { currentRun, LABELS } from './labels.js'
export {
  monitorPgConnections,
  monitorQueueDepth,
  monitorRedisClients,
  monitorRedisMemory,
} from './monitors.js'
export {
  FAULTLINE_APPLICATION_PREFIX,
  FIXTURE_APPLICATION_NAME,
  type IsolatedDatabase,
  type PostgresDefinition,
  type PostgresOptions,
  PostgresService,
  postgres,
} from './postgres.js'
export {
  type IsolatedVhost,
  type RabbitMQDefinition,
  type RabbitMQOptions,
  RabbitMQService,
  rabbitmq,
} from './rabbitmq.js'
export { removeRunContainers, type SweepResult, sweepOrphans } from './reaper.js'
export {
  type IsolatedKeyspace,
  type RedisDefinition,
  type RedisOptions,
  RedisService,
  redis,
} from './redis.js'
export { type RecoverOptions, Service, type StopOptions } from './service.js'
export type { ContainerServiceOptions } from './start.js'

export {
  type AnyService,
  isServiceDefinition,
  type ServiceDefinition,
  serviceFromInfo,
} from './definition.js'
export { assertDockerReachable } from './docker.js'
export { DockerUnreachableError, NotAContainerError, ServiceStartError } from './errors.js'
export { type ExternalOptions, external } from './external.js'
export { ContainerFault, type ContainerFaultKind, type HealOptions } from './fault.js'
export {
  container,
  type GenericAddress,
  type GenericDefinition,
  type GenericOptions,
  GenericService,
  type Isolated,
  type Isolation,
} from './generic.js'
export { DEFAULT_IMAGES, defaultImage } from './images.js'
export type {
  GenericInfo,
  PostgresInfo,
  RabbitMQInfo,
  ReadyProbe,
  RedisInfo,
  ServiceInfo,
  ServiceKind,
} from './info.js'
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
  postgresContainer,
} from './postgres.js'
export {
  type IsolatedVhost,
  type RabbitMQDefinition,
  type RabbitMQOptions,
  RabbitMQService,
  rabbitmqContainer,
} from './rabbitmq.js'
export { removeRunContainers, type SweepResult, sweepOrphans } from './reaper.js'
export {
  type IsolatedKeyspace,
  type RedisDefinition,
  type RedisOptions,
  RedisService,
  redisContainer,
} from './redis.js'
export {
  CORRUPTED_VALUE,
  type CorruptRedisKeysOptions,
  corruptRedisKeys,
  deleteRedisKeys,
  RedisDataFault,
  type RedisDataFaultKind,
  type RedisDataFaultOptions,
} from './redis-data-fault.js'
export { type RestartOptions, Service, type StopOptions } from './service.js'
export type { ContainerDefinition, ContainerServiceOptions } from './start.js'

/** The kinds of service Faultline knows how to start, isolate and disturb; `container`: any image. */
export type ServiceKind = 'postgres' | 'redis' | 'rabbitmq' | 'container'

interface BaseInfo {
  /** The name the service was declared under, e.g. `pg`. */
  name: string
  /** Host to connect to (loopback for a local container). */
  host: string
  /** The published port of the service's main protocol. */
  port: number
  /** The connection URL of the service's default database / key space / vhost. */
  url: string
  /** The container's id; absent for an external service. */
  containerId?: string
  /** The image the container runs; absent for an external service. */
  image?: string
}

/** Everything a test worker needs to reach a PostgreSQL service; serialisable (Vitest `provide`). */
export interface PostgresInfo extends BaseInfo {
  kind: 'postgres'
  username: string
  password: string
  database: string
  /** The database every isolated test database is copied from. */
  templateDatabase: string
  /** How many isolated databases each process copies ahead of time. */
  isolationPool: number
}

/** Everything a test worker needs to reach a Redis service; serialisable. */
export interface RedisInfo extends BaseInfo {
  kind: 'redis'
  password: string
  /** How many logical databases the server has; database 0 holds Faultline's bookkeeping. */
  databases: number
}

/** Everything a test worker needs to reach a RabbitMQ service; serialisable. */
export interface RabbitMQInfo extends BaseInfo {
  kind: 'rabbitmq'
  username: string
  password: string
  vhost: string
  /** The management HTTP API, used to create and delete per-test vhosts. */
  managementUrl: string
}

/**
 * How a generic container's handle knows its service answers (after a start, a heal, a restart): a TCP
 * connection to the main port that is accepted and, with `send`, answered — containing `expect` when given.
 * Serialisable, so that a handle rebuilt in a test worker probes the same way.
 */
export interface ReadyProbe {
  /** Bytes to send once connected (latin1), e.g. `'version\r\n'` for memcached. */
  send?: string
  /** Text the answer must contain, e.g. `'VERSION'`; without it, any answer (or none, see below) will do. */
  expect?: string
}

/** Everything a test worker needs to reach a generic container service (`container()`); serialisable. */
export interface GenericInfo extends BaseInfo {
  kind: 'container'
  /** Every published port: the container's port (as a string key) to its port on `host`. */
  ports: Record<string, number>
  /** The container port `port` publishes: the service's main port. */
  mainPort: number
  ready: ReadyProbe
}

/** A started service, as handed from Vitest's global setup to the test workers. */
export type ServiceInfo = PostgresInfo | RedisInfo | RabbitMQInfo | GenericInfo

/** The kinds of service Faultline knows how to start, isolate and disturb. */
export type ServiceKind = 'postgres' | 'redis' | 'rabbitmq'

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

/** A started service, as handed from Vitest's global setup to the test workers. */
export type ServiceInfo = PostgresInfo | RedisInfo | RabbitMQInfo

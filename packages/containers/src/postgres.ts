import { randomBytes } from 'node:crypto'
import { PostgreSqlContainer } from '@testcontainers/postgresql'
import pg from 'pg'
import { defaultImage } from './images.js'
import type { PostgresInfo } from './info.js'
import { Service } from './service.js'
import { type ContainerServiceOptions, checkContainerOptions, startLabelled } from './start.js'

const TEMPLATE = 'faultline_template'

/** Options of a PostgreSQL service. */
export interface PostgresOptions extends ContainerServiceOptions {
  /** The default database (default `test`). */
  database?: string
  username?: string
  password?: string
  /**
   * Prepares the template that every isolated test database is copied from: run migrations, load
   * fixtures. Runs once, when the service starts, on a client connected to the template database.
   */
  template?: (client: pg.Client) => Promise<void>
}

/** A fresh database for one test, copied from the template; dropped on dispose. */
export interface IsolatedDatabase extends AsyncDisposable {
  /** The database's name, unique per test. */
  database: string
  /** A connection URL to it. */
  url: string
  /** Drops the database (closing any connection left to it). */
  drop(): Promise<void>
}

/** A running PostgreSQL service. */
export class PostgresService extends Service<PostgresInfo> {
  #admin: Promise<pg.Client> | undefined

  /** A connection URL to `database` on this server, with this service's credentials. */
  urlFor(database: string): string {
    const url = new URL(this.info.url)
    url.pathname = `/${encodeURIComponent(database)}`
    return url.toString()
  }

  /** A new client, not yet connected, to the default database (or the given one). */
  client(database = this.info.database): pg.Client {
    return new pg.Client({ connectionString: this.urlFor(database) })
  }

  protected override async probe(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 2_000 })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.query('SELECT 1')
    } finally {
      await client.end().catch(() => {})
    }
  }

  #adminClient(): Promise<pg.Client> {
    this.#admin ??= (async () => {
      const client = this.client('postgres')
      // A connection broken by a fault must not crash the process; the next isolate() reconnects.
      client.on('error', () => {
        this.#admin = undefined
      })
      await client.connect()
      return client
    })().catch((error: unknown) => {
      this.#admin = undefined
      throw error
    })
    return this.#admin
  }

  /**
   * Creates a fresh database for one test as a copy of the template (`CREATE DATABASE … TEMPLATE`), which
   * takes milliseconds; `await using db = await pg.isolate()` drops it after the test.
   */
  async isolate(): Promise<IsolatedDatabase> {
    const database = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
    const admin = await this.#adminClient()
    await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${this.info.templateDatabase}"`)
    const drop = async () => {
      const client = await this.#adminClient()
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
    }
    return { database, url: this.urlFor(database), drop, [Symbol.asyncDispose]: drop }
  }

  protected override async closeClients(): Promise<void> {
    const admin = this.#admin
    this.#admin = undefined
    if (admin) await (await admin.catch(() => undefined))?.end().catch(() => {})
  }
}

/** Creates the template database (if missing) and lets `prepare` fill it. */
export async function prepareTemplate(
  service: PostgresService,
  prepare?: (client: pg.Client) => Promise<void>,
) {
  const admin = service.client('postgres')
  await admin.connect()
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      service.info.templateDatabase,
    ])
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${service.info.templateDatabase}"`)
  } finally {
    await admin.end()
  }
  if (!prepare) return
  const client = service.client(service.info.templateDatabase)
  await client.connect()
  try {
    await prepare(client)
  } finally {
    // No connection may stay open to a template: CREATE DATABASE … TEMPLATE refuses while one is.
    await client.end()
  }
}

/** A PostgreSQL service definition; `start()` runs it in a container. */
export interface PostgresDefinition {
  readonly kind: 'postgres'
  readonly options: PostgresOptions
  /** Starts the container and returns a handle; `await using` removes it afterwards. */
  start(name?: string): Promise<PostgresService>
}

/**
 * A PostgreSQL server in a container (`@testcontainers/postgresql`), with a template database for
 * fast per-test isolation.
 *
 * @example
 * await using pg = await postgres().start()
 * await using db = await pg.isolate()
 * const client = new Client({ connectionString: db.url })
 */
export function postgres(options: PostgresOptions = {}): PostgresDefinition {
  checkContainerOptions(options, postgres)
  return {
    kind: 'postgres',
    options,
    async start(name = 'postgres') {
      const image = options.image ?? defaultImage('postgres')
      const timeout = options.startupTimeout ?? 60_000
      const container = new PostgreSqlContainer(image)
        .withDatabase(options.database ?? 'test')
        .withUsername(options.username ?? 'test')
        .withPassword(options.password ?? 'test')
      const { started, instance } = await startLabelled(name, container, image, timeout, [5432])
      const service = new PostgresService(
        {
          kind: 'postgres',
          name,
          host: started.getHost(),
          port: started.getPort(),
          url: started.getConnectionUri(),
          containerId: started.getId(),
          image,
          username: started.getUsername(),
          password: started.getPassword(),
          database: started.getDatabase(),
          templateDatabase: TEMPLATE,
        },
        true,
        instance,
      )
      try {
        await prepareTemplate(service, options.template)
      } catch (error) {
        await service.close()
        throw error
      }
      return service
    },
  }
}

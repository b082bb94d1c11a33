import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { optionalNumber } from '@faultline/core'
import { PostgreSqlContainer } from '@testcontainers/postgresql'
import pg from 'pg'
import type { PostgresInfo } from './info.js'
import { Service } from './service.js'
import {
  type ContainerDefinition,
  type ContainerServiceOptions,
  defineContainer,
  startLabelled,
} from './start.js'

const TEMPLATE = 'faultline_template'
// How long a dropped test database's connections get to close on their own before they are terminated.
const DROP_GRACE_MS = 2_000

/**
 * The `application_name` prefix of the PostgreSQL connections Faultline opens itself — isolation, readiness
 * probes, monitors, the `postgres` fixture's client — so that `monitorPgConnections()` counts only the
 * connections of the code under test.
 */
export const FAULTLINE_APPLICATION_PREFIX = 'faultline:'

/** The `application_name` of the `postgres` fixture's client. */
export const FIXTURE_APPLICATION_NAME = `${FAULTLINE_APPLICATION_PREFIX}fixture`

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
  /**
   * How many isolated databases each process keeps copied ahead of time, so that a test gets one
   * without waiting for `CREATE DATABASE` (about 100 ms). 0 turns the pool off. Default 2.
   */
  isolationPool?: number
  /**
   * Keep PostgreSQL's default durability settings. By default the container runs with `fsync=off` and
   * `full_page_writes=off`: data still survives a stop, restart or kill of the container (the host's page
   * cache keeps it), only a crash of the host itself could lose it — a trade every test database makes.
   */
  durable?: boolean
}

/** A fresh database for one test, copied from the template; dropped on dispose. */
export interface IsolatedDatabase extends AsyncDisposable {
  /** The database's name, unique per test. */
  database: string
  /** A connection URL to it. */
  url: string
  /**
   * Drops the database. Connections still closing (a pool's `end()` resolves before they are) get up to
   * 2 s to go on their own; any left after that were leaked and are terminated (`WITH (FORCE)`).
   */
  drop(): Promise<void>
}

/** A running PostgreSQL service. */
export class PostgresService extends Service<PostgresInfo> {
  #admin: Promise<pg.Client> | undefined
  #adminQueue: Promise<unknown> = Promise.resolve()
  #pool: string[] = []
  #filling: Promise<void> | undefined
  #closed = false

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

  // A connection of Faultline's own, named so that monitors leave it out.
  #own(database: string, role: string, options: pg.ClientConfig = {}): pg.Client {
    return new pg.Client({
      connectionString: this.urlFor(database),
      application_name: `${FAULTLINE_APPLICATION_PREFIX}${role}`,
      ...options,
    })
  }

  protected override async probe(): Promise<void> {
    const client = this.#own(this.info.database, 'probe', { connectionTimeoutMillis: 2_000 })
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
      const client = this.#own('postgres', 'admin')
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

  // Concurrent tests share one admin connection; pg wants one query at a time on a client.
  #adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const next = this.#adminQueue.then(async () => (await this.#adminClient()).query<R>(sql, values))
    this.#adminQueue = next.catch(() => {})
    return next
  }

  // Connections being closed (a pool's end() resolves before they are) get a moment to go on their own:
  // DROP … WITH (FORCE) terminates what is left, and a terminated connection reports 57P01 to its client,
  // which a pool re-emits as an 'error' — an unhandled error if nobody listens any more. Bounded: a
  // connection still open after DROP_GRACE_MS was leaked, and is forced.
  async #dropWhenClosed(database: string): Promise<void> {
    const deadline = performance.now() + DROP_GRACE_MS
    for (let poll = 0; poll < DROP_GRACE_MS / 10; poll++) {
      const { rows } = await this.#adminQuery<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [database],
      )
      if (rows[0]?.n === 0 || performance.now() >= deadline) break
      await sleep(10)
    }
    await this.#adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
  }

  async #create(run: (sql: string) => Promise<unknown>): Promise<string> {
    const database = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
    await run(`CREATE DATABASE "${database}" TEMPLATE "${this.info.templateDatabase}"`)
    return database
  }

  // Copies databases ahead of time on a connection of its own, so that a test's CREATE or DROP never
  // waits behind a refill.
  #refill(): void {
    const size = this.info.isolationPool
    if (this.#filling || this.#closed || this.#pool.length >= size) return
    this.#filling = (async () => {
      const admin = this.#own('postgres', 'isolation')
      admin.on('error', () => {})
      await admin.connect()
      try {
        while (!this.#closed && this.#pool.length < size)
          this.#pool.push(await this.#create((sql) => admin.query(sql)))
      } finally {
        await admin.end().catch(() => {})
      }
    })()
      .catch(() => {}) // a refill that fails (service paused, stopped) only costs the next test a CREATE
      .finally(() => {
        this.#filling = undefined
      })
  }

  /**
   * A fresh database for one test, a copy of the template (`CREATE DATABASE … TEMPLATE`), usually taken
   * from a small pool copied ahead of time; `await using db = await pg.isolate()` drops it after the test.
   */
  async isolate(): Promise<IsolatedDatabase> {
    const database = this.#pool.shift() ?? (await this.#create((sql) => this.#adminQuery(sql)))
    this.#refill()
    const drop = () => this.#dropWhenClosed(database)
    return { database, url: this.urlFor(database), drop, [Symbol.asyncDispose]: drop }
  }

  protected override async closeClients(): Promise<void> {
    this.#closed = true
    await this.#filling
    const pooled = this.#pool.splice(0)
    for (const database of pooled) {
      await this.#adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => {})
    }
    await this.#adminQueue
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
export type PostgresDefinition = ContainerDefinition<'postgres', PostgresOptions, PostgresService>

/**
 * A PostgreSQL server in a container (`@testcontainers/postgresql`), with a template database for
 * fast per-test isolation.
 *
 * @example
 * import { postgresContainer } from '@faultline/containers'
 * import pg from 'pg'
 *
 * await using server = await postgresContainer().start('orders-db')
 * await using db = await server.isolate()
 * const client = new pg.Client({ connectionString: db.url })
 */
export function postgresContainer(options: PostgresOptions = {}): PostgresDefinition {
  const pool = optionalNumber(
    options.isolationPool,
    'options.isolationPool',
    { integer: true, min: 0, max: 32 },
    2,
    postgresContainer,
  )
  return defineContainer('postgres', options, 60_000, postgresContainer, async (name, image, timeout) => {
    const command = options.durable
      ? ['postgres']
      : ['postgres', '-c', 'fsync=off', '-c', 'full_page_writes=off']
    const container = new PostgreSqlContainer(image)
      .withCommand(command)
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
        isolationPool: pool,
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
  })
}

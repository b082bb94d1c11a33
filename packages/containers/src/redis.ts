import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { FaultlineError, optionalNumber } from '@faultline/core'
import { RedisContainer } from '@testcontainers/redis'
import { Redis } from 'ioredis'
import type { RedisInfo } from './info.js'
import { Service } from './service.js'
import {
  type ContainerDefinition,
  type ContainerServiceOptions,
  defineContainer,
  startLabelled,
} from './start.js'

const DATABASES = 256
const LOCK_PREFIX = 'faultline:isolate:db:'
// A test that dies without releasing its database frees it after this long.
const LOCK_TTL_MS = 30 * 60_000

/** Options of a Redis service. */
export interface RedisOptions extends ContainerServiceOptions {
  /** Require this password (`--requirepass`). */
  password?: string
}

/** A clean logical database for one test; flushed and released on dispose. */
export interface IsolatedKeyspace extends AsyncDisposable {
  /** The logical database number (SELECT n). */
  db: number
  /** A connection URL that selects it (`redis://host:port/n`). */
  url: string
  /** Flushes the database and gives it back. */
  release(): Promise<void>
}

/** A running Redis service. */
export class RedisService extends Service<RedisInfo> {
  #admin: Redis | undefined

  /** A connection URL selecting logical database `db`. */
  urlFor(db: number): string {
    const url = new URL(this.info.url)
    url.pathname = `/${db}`
    return url.toString()
  }

  /** A new ioredis client on the given logical database (default 0). */
  client(db = 0): Redis {
    return new Redis(this.urlFor(db), { lazyConnect: true, maxRetriesPerRequest: 1 })
  }

  protected override async probe(): Promise<void> {
    const client = new Redis(this.url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
    })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.ping()
    } finally {
      client.disconnect()
    }
  }

  #adminClient(): Redis {
    if (!this.#admin) {
      this.#admin = this.client(0)
      this.#admin.on('error', () => {})
    }
    return this.#admin
  }

  /**
   * Takes a logical database nobody else uses (a lock key per database, so that concurrent tests in any
   * worker never share one), flushes it and hands it to the test; `await using` flushes and frees it after.
   */
  async isolate(options: { timeout?: number } = {}): Promise<IsolatedKeyspace> {
    const admin = this.#adminClient()
    const owner = randomUUID()
    const timeout = optionalNumber(options.timeout, 'options.timeout', { unit: 'ms', min: 0 }, 30_000)
    const deadline = performance.now() + timeout
    for (;;) {
      for (let db = 1; db < this.info.databases; db++) {
        const taken = await admin.set(`${LOCK_PREFIX}${db}`, owner, 'PX', LOCK_TTL_MS, 'NX')
        if (taken !== 'OK') continue
        await this.#flush(db)
        const release = async () => {
          await this.#flush(db)
          const lock = `${LOCK_PREFIX}${db}`
          if ((await admin.get(lock)) === owner) await admin.del(lock)
        }
        return { db, url: this.urlFor(db), release, [Symbol.asyncDispose]: release }
      }
      if (performance.now() > deadline) {
        throw new FaultlineError(
          'REDIS_NO_FREE_DATABASE',
          `service '${this.name}': all ${this.info.databases - 1} logical databases are in use by other tests. ` +
            'Fix: release isolated key spaces with `await using`, or run fewer tests at once.',
        )
      }
      await sleep(50)
    }
  }

  async #flush(db: number): Promise<void> {
    const client = this.client(db)
    try {
      await client.connect()
      await client.flushdb()
    } finally {
      client.disconnect()
    }
  }

  protected override async closeClients(): Promise<void> {
    this.#admin?.disconnect()
    this.#admin = undefined
  }
}

/** A Redis service definition; `start()` runs it in a container. */
export type RedisDefinition = ContainerDefinition<'redis', RedisOptions, RedisService>

/**
 * A Redis server in a container (`@testcontainers/redis`) with 256 logical databases, so that each test
 * can have a clean key space of its own.
 *
 * @example
 * import { redisContainer } from '@faultline/containers'
 * import { Redis } from 'ioredis'
 *
 * await using cache = await redisContainer().start('orders-cache')
 * await using keys = await cache.isolate()
 * const client = new Redis(keys.url)
 */
export function redisContainer(options: RedisOptions = {}): RedisDefinition {
  return defineContainer('redis', options, 30_000, redisContainer, async (name, image, timeout) => {
    const container = new RedisContainer(image).withCommand([
      'redis-server',
      '--databases',
      String(DATABASES),
    ])
    if (options.password) container.withPassword(options.password)
    const { started, instance } = await startLabelled(name, container, image, timeout, [6379])
    return new RedisService(
      {
        kind: 'redis',
        name,
        host: started.getHost(),
        port: started.getPort(),
        url: started.getConnectionUrl(),
        containerId: started.getId(),
        image,
        password: options.password ?? '',
        databases: DATABASES,
      },
      true,
      instance,
    )
  })
}

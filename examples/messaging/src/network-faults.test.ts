import { scaled } from '@faultline/core'
import { httpLoad } from '@faultline/http'
import { createProxy, type FaultProxy, type ProxyFault } from '@faultline/proxy'
import {
  expect,
  type PostgresFixture,
  type RabbitMQFixture,
  type RedisFixture,
  test,
} from '@faultline/vitest'
import amqplib from 'amqplib'
import { type Api, PUBLISH_TIMEOUT, startApi } from './api.js'
import { CACHE, connectCache } from './cache.js'
import { createPool, POOL } from './db.js'
import { declareQueues, WORK_QUEUE } from './queues.js'

// Scenario 14, network faults between the app and each service: a fault proxy (@faultline/proxy) sits
// between the API and each of PostgreSQL, Redis and RabbitMQ, and adds latency, narrows the bandwidth,
// resets the connections, or slices the answers into pieces of a few bytes, one fault on one service at a
// time. The hardened API either fails fast (503 within its client's timeout, and a half) or serves every
// request (the cache's faults: a miss reads PostgreSQL); the naive one has no timeouts, and hangs. The
// audit gave no size: the served cases send 100 requests at 50 a second (FAULTLINE_LOAD_SCALE multiplies
// both), the fail-fast cases one request per pool connection.

// #region network-faults-cases
type Service = 'postgres' | 'redis' | 'rabbitmq'
type Fault = 'latency' | 'bandwidth' | 'reset' | 'slicer'
type Promised = 'fails fast' | 'served'

/** The hardened API's timeout for each service: every budget below is computed from them. */
const TIMEOUT: Record<Service, number> = {
  postgres: POOL.queryTimeout,
  redis: CACHE.commandTimeout,
  rabbitmq: PUBLISH_TIMEOUT,
}

/** Each fault, sized from the service's timeout: latency and bandwidth hold every answer well past it. */
const FAULTS: Record<Fault, (proxy: FaultProxy, timeout: number) => ProxyFault> = {
  latency: (proxy, timeout) => proxy.latency({ ms: 10 * timeout }),
  bandwidth: (proxy) => proxy.bandwidth({ bytesPerSecond: 10 }), // an answer of 20 bytes takes 2 s
  reset: (proxy) => proxy.reset(),
  slicer: (proxy) => proxy.slicer({ size: 8, sizeVariation: 7, delay: 1 }), // 1-15 bytes, 1 ms apart
}

/** A served request waits at most one query's timeout (a cache miss costs the cache's timeout, then a read). */
const SERVED_WITHIN = POOL.queryTimeout
/** The load's patience: a request still unanswered by then is counted as a timeout, a hang. */
const LOAD_TIMEOUT = 2 * SERVED_WITHIN

// What the hardened API promises under each fault. Messages are sent (POST: PostgreSQL, then RabbitMQ);
// Redis only serves reads (GET), which a cache miss sends to PostgreSQL.
const CASES: [Service, Fault, Promised][] = [
  ['postgres', 'latency', 'fails fast'],
  ['postgres', 'bandwidth', 'fails fast'],
  ['postgres', 'reset', 'fails fast'],
  ['postgres', 'slicer', 'served'],
  ['redis', 'latency', 'served'],
  ['redis', 'bandwidth', 'served'],
  ['redis', 'reset', 'served'],
  ['redis', 'slicer', 'served'],
  ['rabbitmq', 'latency', 'fails fast'],
  ['rabbitmq', 'bandwidth', 'fails fast'],
  ['rabbitmq', 'reset', 'fails fast'],
  ['rabbitmq', 'slicer', 'served'],
]
// #endregion network-faults-cases

interface Fixtures {
  postgres: PostgresFixture
  redis: RedisFixture
  rabbitmq: RabbitMQFixture
}

interface Stack {
  api: Api
  proxies: Record<Service, FaultProxy>
  /** A message stored and read once, so that it is in the cache. */
  id: number
}

const headers = { 'content-type': 'application/json', 'x-tenant-id': 'acme' }

/** The API with a fault proxy in front of each of its services; `run` gets it warm, then it is closed. */
async function behindProxies(
  services: Fixtures,
  hardened: boolean,
  run: (stack: Stack) => Promise<void>,
): Promise<void> {
  await declareQueues(services.rabbitmq.channel, { hardened })
  await services.rabbitmq.channel.consume(WORK_QUEUE, () => {}, { noAck: true }) // the worker is not this scenario's
  const proxies = {
    postgres: await createProxy({ upstream: services.postgres, seed: 14 }),
    redis: await createProxy({ upstream: services.redis, seed: 14 }),
    rabbitmq: await createProxy({ upstream: services.rabbitmq, seed: 14 }),
  }
  const pool = createPool(proxies.postgres.url(services.postgres.url), { hardened })
  const cache = await connectCache(proxies.redis.url(services.redis.url), { hardened })
  const broker = await amqplib.connect(proxies.rabbitmq.url(services.rabbitmq.url))
  broker.on('error', () => {}) // a reset ends it; the API's publish then fails
  const brokerClosed = new Promise((resolve) => broker.once('close', resolve)) // by a reset, or below
  try {
    const channel = await broker.createConfirmChannel()
    channel.on('error', () => {})
    await using api = await startApi({ pool, cache, channel, hardened })
    // Warm: every pool connection open, one message stored, read once, so it is cached.
    await Promise.all(Array.from({ length: POOL.max }, () => pool.query('SELECT 1')))
    const sent = await fetch(`${api.url}/messages`, { method: 'POST', headers, body: '{"text":"hello"}' })
    const { id } = (await sent.json()) as { id: number }
    expect((await fetch(`${api.url}/messages/${id}`, { headers })).status).toBe(200)
    await run({ api, proxies, id })
  } finally {
    // The proxies first: closing them ends every connection a fault still holds, so nothing below waits.
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()))
    await pool.end()
    cache.disconnect()
    await brokerClosed
  }
}

/** One message sent; rejects unless the API accepted it. Each answer's status goes to `statuses`. */
const send =
  (api: Api, statuses: number[] = []) =>
  async (signal: AbortSignal) => {
    const res = await fetch(`${api.url}/messages`, { method: 'POST', headers, body: '{"text":"hi"}', signal })
    statuses.push(res.status)
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
  }

/** 100 requests at 50 a second: messages sent, or (Redis) the cached message read. */
const served = (service: Service, { api, id }: Stack) =>
  httpLoad({
    url: service === 'redis' ? `${api.url}/messages/${id}` : `${api.url}/messages`,
    ...(service === 'redis' ? { headers } : { method: 'POST', headers, body: '{"text":"hi"}' }),
    rate: scaled(50),
    count: scaled(100),
    timeout: LOAD_TIMEOUT,
    seed: 14,
    name: `${service} through a fault`,
  })

// #region network-faults-test
test.for(CASES)(
  '%s %s: the hardened API %s',
  async ([service, fault, promised], { postgres, redis, rabbitmq }) => {
    await behindProxies({ postgres, redis, rabbitmq }, true, async (stack) => {
      await using applied = FAULTS[fault](stack.proxies[service], TIMEOUT[service])
      if (promised === 'fails fast') {
        // One request per pool connection: each fails within its client's timeout, with a 503; none hangs.
        const statuses: number[] = []
        await expect(send(stack.api, statuses)).toFailFastWithin(TIMEOUT[service] * 1.5, { calls: POOL.max })
        expect(statuses).toEqual(Array(POOL.max).fill(503))
      } else {
        const report = await served(service, stack)
        console.log(report.summary())
        expect(report).toMeetSLO({ p95: SERVED_WITHIN, errorRate: 0.01 })
      }
      expect(applied.affected).toBeGreaterThan(0) // the fault was on the requests' path
    })
  },
)
// #endregion network-faults-test

// #region network-faults-naive
test('the naive API has no query timeout: behind a slow network, every request hangs', async ({
  postgres,
  redis,
  rabbitmq,
}) => {
  await behindProxies({ postgres, redis, rabbitmq }, false, async ({ api, proxies }) => {
    await using _slow = FAULTS.latency(proxies.postgres, POOL.queryTimeout)
    let message = ''
    try {
      await expect(send(api)).toFailFastWithin(POOL.queryTimeout * 1.5, { calls: POOL.max })
    } catch (error) {
      message = (error as Error).message
    }
    console.log(message) // what a user of the naive API would see
    expect(message).toMatch(/4 calls of 4 still pending after [\d,.]+ m?s > 1,500 ms: gave up/)
  })
})

test.for(['latency', 'reset'] as const)(
  'the naive cache client has no command timeout: behind a Redis %s, reads hang',
  async (fault, { postgres, redis, rabbitmq }) => {
    await behindProxies({ postgres, redis, rabbitmq }, false, async (stack) => {
      await using _fault = FAULTS[fault](stack.proxies.redis, CACHE.commandTimeout)
      const report = await served('redis', stack)
      console.log(report.summary())
      let message = ''
      try {
        expect(report).toMeetSLO({ p95: SERVED_WITHIN, errorRate: 0.01 })
      } catch (error) {
        message = (error as Error).message
      }
      console.log(message) // what a user of the naive API would see
      expect(message).toMatch(/✗ p95 [\d,.]+ m?s > 1,000 ms/)
      expect(message).toMatch(/errors by kind: timeout \d+/)
    })
  },
)
// #endregion network-faults-naive

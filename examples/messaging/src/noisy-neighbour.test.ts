import { setTimeout as sleep } from 'node:timers/promises'
import { LoadReport, type LoadTaskContext, load, scaled } from '@faultline/core'
import { httpLoad } from '@faultline/http'
import {
  expect,
  type PostgresFixture,
  type RabbitMQFixture,
  type RedisFixture,
  test,
} from '@faultline/vitest'
import { startApi } from './api.js'
import { createPool, POOL } from './db.js'
import { declareQueues, WORK_QUEUE } from './queues.js'

// Scenario 2, noisy neighbour: tenant A (acme) bulk-imports its history while tenant B (globex) sends
// messages, through one API and one pool of POOL.max connections on the real PostgreSQL. An import streams
// the tenant's upload into one transaction, so it holds a connection for as long as the upload takes.
// Tenant B's p95 while A imports is judged against its own p95 alone, and its error rate must not grow.
// The two are measured in turns, 1.5 s alone then 1.5 s beside the import, twice, so that whatever else
// the shared machine runs weighs on both alike. The audit gave no size; here tenant B sends 40 messages a
// second (120 calls alone, 120 beside the import) while tenant A keeps 8 uploads in flight, each 10 x 100
// rows 100 ms apart; FAULTLINE_LOAD_SCALE multiplies both (20: 800 messages a second beside 160 uploads).

const B_RATE = scaled(40)
const UPLOADS = scaled(8) // tenant A's imports in flight
const PHASE = 1_500
const ROUNDS = 2
/**
 * How many times its p95 alone tenant B's p95 may reach: wide, for a shared 2-core machine. Measured here:
 * 0.9-1.6 x with the bulkhead; 100-220 x when tenant A's uploads hold every connection.
 */
const FACTOR = 5

const chunk = Buffer.from(Array.from({ length: 100 }, (_, i) => `imported message ${i}\n`).join(''))

/** Tenant A's upload of its history: 10 x 100 messages, 100 ms apart. */
async function* upload(signal: AbortSignal): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < 10; i++) {
    if (i > 0) await sleep(100, undefined, { signal })
    yield chunk
  }
}

/** One of tenant A's imports: uploads its history; waits as long as the API's Retry-After asks. */
function importHistory(url: string) {
  return async ({ signal }: LoadTaskContext) => {
    const res = await fetch(`${url}/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-tenant-id': 'acme' },
      body: upload(signal),
      duplex: 'half',
      signal,
    })
    await res.arrayBuffer()
    if (res.status === 429)
      await sleep(1_000 * Number(res.headers.get('retry-after') ?? 1), undefined, { signal })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
  }
}

/** Tenant B alone, then beside tenant A's import, in turns; each side's phases merged into one report. */
async function tenantBBesideImport(
  {
    postgres,
    rabbitmq,
    redis,
  }: { postgres: PostgresFixture; rabbitmq: RabbitMQFixture; redis: RedisFixture },
  hardened: boolean,
) {
  await declareQueues(rabbitmq.channel, { hardened })
  await rabbitmq.channel.consume(WORK_QUEUE, () => {}, { noAck: true }) // the worker is not this scenario's
  // The hardened pool in both variants (requests queue for its 4 connections): the naive pool is scenario 1's.
  const pool = createPool(postgres.url, { hardened: true })
  try {
    await using api = await startApi({
      pool,
      cache: redis.client,
      channel: await rabbitmq.connection.createConfirmChannel(),
      hardened,
    })
    const tenantB = (seed: number, duration = PHASE) =>
      httpLoad({
        url: `${api.url}/messages`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tenant-id': 'globex' },
        body: JSON.stringify({ text: 'hello' }),
        rate: B_RATE,
        duration,
        seed,
        timeout: 2 * POOL.connectionTimeout, // longer than any wait the pool allows: its errors, not ours
        name: 'tenant B',
      })
    await tenantB(1, 250) // warm-up: the pool's connections, the API's code paths
    const alone: LoadReport[] = []
    const beside: LoadReport[] = []
    const imports: LoadReport[] = []
    for (let round = 0; round < ROUNDS; round++) {
      alone.push(await tenantB(2 + round))
      // At the end of its turn, tenant A's uploads in flight are cut (no graceful stop): each import rolls
      // back and gives its connection back, and the next turn starts without them.
      const bulk = load(importHistory(api.url), {
        concurrency: UPLOADS,
        duration: PHASE,
        gracefulStop: 0,
        name: 'tenant A',
      })
      beside.push(await tenantB(2 + round))
      imports.push(await bulk)
    }
    const merge = (reports: LoadReport[]) => LoadReport.merge(reports, { align: 'start' })
    return { baseline: merge(alone), flood: merge(beside), imports: merge(imports) }
  } finally {
    await pool.end()
  }
}

// #region noisy-neighbour-test
test('tenant B keeps its p95 and its error rate while tenant A bulk-imports', async ({
  postgres,
  rabbitmq,
  redis,
}) => {
  const { baseline, flood, imports } = await tenantBBesideImport({ postgres, rabbitmq, redis }, true)
  console.log(baseline.summary(), flood.summary(), imports.summary())
  expect(flood).toHavePercentileWithin(95, { factor: FACTOR, of: baseline })
  expect(flood).toHaveErrorRateBelow(baseline.errorRate) // unchanged: none
  expect(imports.ok).toBeGreaterThan(0) // tenant A's imports went on, one at a time
})
// #endregion noisy-neighbour-test

// #region noisy-neighbour-naive
test("the naive API lets tenant A's import take every connection: tenant B's p95 leaves its baseline", async ({
  postgres,
  rabbitmq,
  redis,
}) => {
  const { baseline, flood, imports } = await tenantBBesideImport({ postgres, rabbitmq, redis }, false)
  console.log(baseline.summary(), flood.summary(), imports.summary())
  let message = ''
  try {
    expect(flood).toHavePercentileWithin(95, { factor: FACTOR, of: baseline })
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive API would see
  expect(message).toMatch(/p95 [\d,.]+ m?s > 5 x baseline p95 [\d,.]+ ms = [\d,.]+ ms/)
})
// #endregion noisy-neighbour-naive

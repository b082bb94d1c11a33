import { monitorPgConnections } from '@faultline/containers'
import { exponentialRate, type Monitor, poissonArrivals, scaled } from '@faultline/core'
import { httpLoad, startUpstream } from '@faultline/http'
import {
  expect,
  type PostgresFixture,
  type RabbitMQFixture,
  type RedisFixture,
  test,
} from '@faultline/vitest'
import pg from 'pg'
import { startApi } from './api.js'
import { createPool, POOL } from './db.js'
import { hardenedLlmClient, LLM, naiveLlmClient } from './llm.js'
import { DEAD_LETTERS, declareQueues, publish } from './queues.js'
import { startWorker } from './worker.js'

// Scenario 1, thundering herd: arrivals grow exponentially (10,000 in 30 s in the audit; here from 10 to
// 600 a second over 3 s, about 430 Poisson arrivals, seeded; FAULTLINE_LOAD_SCALE=23 sends the audit's
// 10,000, in 3 s rather than 30) at the API, while the worker answers each
// message through the LLM. The database must see a bounded number of connections (requests queue in the
// pool), callers their SLO, and the LLM at most one call per message plus its retries.

const WORKER_CONNECTIONS = 2
const answer = { choices: [{ message: { content: 'noted' } }] }

async function herd(
  {
    postgres,
    rabbitmq,
    redis,
  }: { postgres: PostgresFixture; rabbitmq: RabbitMQFixture; redis: RedisFixture },
  connections: Monitor,
  hardened: boolean,
) {
  await using llm = await startUpstream({ kind: 'ok', body: answer, delay: 20 }, { name: 'llm' })
  await declareQueues(rabbitmq.channel, { hardened })
  const pool = createPool(postgres.url, { hardened })
  const workerPool = new pg.Pool({ connectionString: postgres.url, max: WORKER_CONNECTIONS })
  const llmClient = hardened ? hardenedLlmClient(llm.url) : naiveLlmClient(llm.url)
  const worker = await startWorker(await rabbitmq.connection.createChannel(), workerPool, llmClient)
  try {
    await using api = await startApi({
      pool,
      cache: redis.client,
      channel: await rabbitmq.connection.createConfirmChannel(),
      hardened,
    })
    const report = await httpLoad({
      url: `${api.url}/messages`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': 'acme' },
      body: JSON.stringify({ text: 'hello' }),
      rate: poissonArrivals(exponentialRate(scaled(10), scaled(600), 3_000)),
      seed: 7,
      timeout: 2 * POOL.connectionTimeout, // longer than any wait the pool allows: its errors, not ours
      name: 'herd',
    })
    await expect.poll(() => worker.processed.size, { timeout: 30_000 }).toBe(report.ok) // all answered
    return { report, monitor: await connections.stop(), llmCalls: llm.count, llm }
  } finally {
    await worker.stop()
    await Promise.all([pool.end(), workerPool.end()])
  }
}

// #region herd-test
test('a herd queues for the pool: bounded connections, the SLO met, one LLM call per message', async ({
  postgres,
  rabbitmq,
  redis,
  services,
}) => {
  const connections = monitorPgConnections(services.postgres(), { database: postgres.database, interval: 20 })
  const { report, monitor, llm } = await herd({ postgres, rabbitmq, redis }, connections, true)
  console.log(report.summary())
  expect(monitor).toNeverExceed(POOL.max + WORKER_CONNECTIONS) // the pool was never exceeded: requests queued
  // A request may wait for a connection up to the pool's timeout, and no longer: that is the budget.
  expect(report).toMeetSLO({ p95: POOL.connectionTimeout, errorRate: 0.01 })
  expect(llm).toHaveReceivedAtMost(report.ok * (1 + LLM.retries)) // no retry storm
})
// #endregion herd-test

// #region herd-naive
test('the naive pool opens a connection per request in flight: toNeverExceed says how many', async ({
  postgres,
  rabbitmq,
  redis,
  services,
}) => {
  const connections = monitorPgConnections(services.postgres(), { database: postgres.database, interval: 20 })
  const { monitor } = await herd({ postgres, rabbitmq, redis }, connections, false)
  let message = ''
  try {
    expect(monitor).toNeverExceed(POOL.max + WORKER_CONNECTIONS)
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive pool would see
  expect(message).toMatch(/postgres connections to \S+ peaked at \d+ connections > 6 connections/)
})
// #endregion herd-naive

// The same property when the LLM fails: 50 messages queued while it answers 503 to everything. The hardened
// worker retries once, the breaker stops the calls, and the broker dead-letters each message after its
// delivery limit; the naive one retries 3 times per delivery, and its queue redelivers forever.
async function llmDownWith50Queued(rabbitmq: RabbitMQFixture, postgres: PostgresFixture, hardened: boolean) {
  const llm = await startUpstream({ kind: 'status', status: 503 }, { name: 'llm' })
  await declareQueues(rabbitmq.channel, { hardened })
  const db = new pg.Pool({ connectionString: postgres.url, max: WORKER_CONNECTIONS })
  const client = hardened ? hardenedLlmClient(llm.url) : naiveLlmClient(llm.url)
  const worker = await startWorker(await rabbitmq.connection.createChannel(), db, client)
  const producer = await rabbitmq.connection.createConfirmChannel()
  for (let id = 1; id <= 50; id++)
    expect(await publish(producer, JSON.stringify({ id, tenantId: 'acme', body: `m${id}` }))).toBe(true)
  return {
    llm,
    async [Symbol.asyncDispose]() {
      await worker.stop()
      await db.end()
      await llm.close()
    },
  }
}

// #region retry-storm-test
test('with the LLM down, the calls stay within one retry per message: no retry storm', async ({
  rabbitmq,
  postgres,
}) => {
  await using run = await llmDownWith50Queued(rabbitmq, postgres, true)
  await expect
    .poll(async () => (await rabbitmq.channel.checkQueue(DEAD_LETTERS)).messageCount, { timeout: 30_000 })
    .toBe(50) // every message given up on, after its delivery limit
  expect(run.llm).toHaveReceivedAtMost(50 * (1 + LLM.retries))
})
// #endregion retry-storm-test

// #region retry-storm-naive
test('the naive worker retries every delivery 3 times, forever: toHaveReceivedAtMost says how many', async ({
  rabbitmq,
  postgres,
}) => {
  await using run = await llmDownWith50Queued(rabbitmq, postgres, false)
  await expect.poll(() => run.llm.count, { timeout: 30_000 }).toBeGreaterThan(50 * (1 + LLM.retries))
  let message = ''
  try {
    expect(run.llm).toHaveReceivedAtMost(50 * (1 + LLM.retries))
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive worker would see
  expect(message).toMatch(/llm received [\d,]+ requests > 100/)
  expect(message).toContain('Hint: a retry storm?')
})
// #endregion retry-storm-naive

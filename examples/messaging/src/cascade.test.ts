import { redisContainer } from '@faultline/containers'
import {
  type ActiveFault,
  type LoadReport,
  type LoadTaskContext,
  load,
  scaled,
  scheduleFaults,
  Timeline,
} from '@faultline/core'
import { startUpstream } from '@faultline/http'
import { createProxy } from '@faultline/proxy'
import { expect, observeBreaker, type PostgresFixture, type RabbitMQFixture, test } from '@faultline/vitest'
import type { ConfirmChannel } from 'amqplib'
import { startApi } from './api.js'
import { connectCache } from './cache.js'
import { createPool } from './db.js'
import { hardenedLlmClient, LLM, type LlmClient, naiveLlmClient } from './llm.js'
import { declareQueues, replayDeadLetters } from './queues.js'
import { startWorker, type Worker } from './worker.js'

// Scenario 12 (the messaging service's part), a cascade: Redis stopped, the LLM upstream a black hole and
// 50 ms added to every answer of PostgreSQL, all at once for 4 s, while callers send messages (10 %) and
// read them back (90 %). The audit's load was 1,000 requests a second; here 30 a second (times
// FAULTLINE_LOAD_SCALE: 33 reaches the audit's rate, on a machine with the cores for it), enough for the
// floors of a p99 and a 1 % error rate inside the cascade's window. The API never waits for the LLM (the
// worker does), so its budget is what the database's latency costs: a send makes 4 round trips to it.

const RATE = scaled(30)
const CASCADE = 4_000
const PG_LATENCY = 50
const SEND_ROUND_TRIPS = 4 // BEGIN, INSERT, UPDATE, COMMIT
const SEEDED = 20 // messages stored before the run, read back by the load
const answer = { choices: [{ message: { content: 'noted' } }] }

/**
 * During the cascade: what the database's latency costs a send (five times over, for the pool's queue on a
 * loaded machine), on top of what a call cost before it.
 */
function cascadeSLO(report: LoadReport) {
  return {
    p99: Math.ceil(5 * SEND_ROUND_TRIPS * PG_LATENCY + 5 * report.window(0, 1_000).p95),
    errorRate: 0.01,
  }
}

/** What the test checks once every fault healed, with the service still running. */
interface AfterTheCascade {
  worker: Worker
  /** The ids of every message the API accepted. */
  sent: Set<number>
  llmClient: LlmClient
  /** The LLM's black hole, healed. */
  outage: ActiveFault
  producer: ConfirmChannel
}

async function throughACascade(
  { postgres, rabbitmq }: { postgres: PostgresFixture; rabbitmq: RabbitMQFixture },
  hardened: boolean,
  afterwards: (after: AfterTheCascade) => Promise<void> = async () => {},
) {
  const timeline = new Timeline()
  await using redis = await redisContainer().start('messaging-redis')
  await using llm = await startUpstream({ kind: 'ok', body: answer, delay: 20 }, { name: 'llm' })
  await using db = await createProxy({ upstream: postgres, timeline })
  await declareQueues(rabbitmq.channel, { hardened })
  const pool = createPool(db.url(postgres.url), { hardened })
  const workerPool = createPool(db.url(postgres.url), { hardened })
  const cache = await connectCache(redis.url, { hardened })
  const llmClient = hardened ? hardenedLlmClient(llm.url) : naiveLlmClient(llm.url)
  const worker = await startWorker(await rabbitmq.connection.createChannel(), workerPool, llmClient)
  using breaker = hardened ? observeBreaker(llmClient.breaker!) : undefined
  try {
    await using api = await startApi({
      pool,
      cache,
      channel: await rabbitmq.connection.createConfirmChannel(),
      hardened,
    })
    const call = async (path: string, signal: AbortSignal, text?: string) => {
      const res = await fetch(`${api.url}${path}`, {
        method: text === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', 'x-tenant-id': 'acme' },
        body: text === undefined ? null : JSON.stringify({ text }),
        signal,
      })
      const body = (await res.json()) as { id: number }
      if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status })
      return body
    }
    const ids: number[] = []
    for (let n = 0; n < SEEDED; n++)
      ids.push((await call('/messages', AbortSignal.timeout(5_000), `m${n}`)).id)
    await expect.poll(() => worker.processed.size).toBe(SEEDED)
    const sent = new Set(ids)

    // #region cascade-schedule
    await using faults = scheduleFaults(
      [
        { at: 1_000, duration: CASCADE, apply: ({ timeline }) => redis.stop({ timeline, timeout: 500 }) },
        {
          at: 1_000,
          duration: CASCADE,
          apply: ({ timeline }) => llm.fault({ kind: 'blackHole' }, { timeline }),
        },
        { at: 1_000, duration: CASCADE, apply: () => db.latency({ ms: PG_LATENCY }) },
      ],
      { timeline },
    )
    const report = await load(
      [
        {
          tag: 'send',
          weight: 10,
          run: async ({ index, signal }: LoadTaskContext) =>
            sent.add((await call('/messages', signal, `load ${index}`)).id),
        },
        {
          tag: 'read',
          weight: 90,
          run: ({ index, signal }: LoadTaskContext) => call(`/messages/${ids[index % SEEDED]}`, signal),
        },
      ],
      { rate: RATE, duration: 1_000 + CASCADE + 2_000, interval: 250, timeout: 10_000, timeline, seed: 12 },
    )
    await faults.heal()
    // #endregion cascade-schedule
    const outage = faults.applied.find((fault) => fault.target === 'llm')!
    const producer = await rabbitmq.connection.createConfirmChannel()
    await afterwards({ worker, sent, llmClient, outage, producer })
    return { report, fault: `${redis.name} stopped`, llm, breakerOpen: breaker?.windows('open') ?? [] }
  } finally {
    await worker.stop()
    cache.disconnect()
    await Promise.all([pool.end(), workerPool.end()])
  }
}

// #region cascade-test
test('a cascade (Redis down, LLM black hole, slow PostgreSQL): the API within its SLO, every message answered after', async ({
  postgres,
  rabbitmq,
}) => {
  const { report, fault, llm, breakerOpen } = await throughACascade(
    { postgres, rabbitmq },
    true,
    async ({ worker, sent, llmClient, outage, producer }) => {
      // The LLM is back once the breaker's half-open probe goes through.
      await expect((signal: AbortSignal) => llmClient.complete('ping', signal)).toRecoverWithin(
        LLM.halfOpenAfter + LLM.timeout,
        { since: outage },
      )
      // What the black hole dead-lettered is replayed, until every accepted message is answered.
      await expect
        .poll(
          async () => {
            await replayDeadLetters(producer)
            return worker.processed.size
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe(sent.size)
    },
  )
  console.log(report.summary())
  // Reads fall back to PostgreSQL at once, sends pay the database's latency: no caller waits for Redis.
  expect(report.during(fault)).toMeetSLO(cascadeSLO(report))
  expect(llm).toHaveReceivedAtMost(0, { during: breakerOpen }) // no call into the black hole while open
})
// #endregion cascade-test

// #region cascade-naive
test('the naive service waits for Redis through the cascade: toMeetSLO says how long', async ({
  postgres,
  rabbitmq,
}) => {
  const { report, fault } = await throughACascade({ postgres, rabbitmq }, false)
  let message = ''
  try {
    expect(report.during(fault)).toMeetSLO(cascadeSLO(report))
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive service would see
  expect(message).toMatch(/SLO lines? breached over [\d,]+ calls \(window [\d.]+-[\d.]+ s, seed 12\)/)
  expect(message).toMatch(/✗ p99 [\d,.]+ (ms|s) > [\d,.]+ ms/)
})
// #endregion cascade-naive

import { setTimeout as sleep } from 'node:timers/promises'
import { scaled } from '@faultline/core'
import { startUpstream } from '@faultline/http'
import { expect, type RabbitMQFixture, test } from '@faultline/vitest'
import pg from 'pg'
import { hardenedLlmClient } from './llm.js'
import { DEAD_LETTERS, declareQueues, publish, QUEUE, WORK_QUEUE } from './queues.js'
import { startWorker, type Worker } from './worker.js'

// Scenario 6, poison pill: 1,000 good messages and one malformed one on the work queue (the audit's size).
// The malformed one fails every delivery; the question is whether it ends somewhere a human can look at it,
// or loops forever.

const GOOD = scaled(1_000) // the audit's size at FAULTLINE_LOAD_SCALE=1
const answer = { choices: [{ message: { content: 'noted' } }] }

/**
 * Publishes the good messages with the malformed one in the middle, as a buggy producer would, 50 at a
 * time with publisher confirms: what the hardened queue refuses while full is published again a moment later.
 */
async function publishWithPoison(rabbitmq: RabbitMQFixture): Promise<void> {
  const channel = await rabbitmq.connection.createConfirmChannel()
  const messages = Array.from({ length: GOOD }, (_, i) => ({
    content: JSON.stringify({ id: i + 1, tenantId: i % 2 ? 'acme' : 'globex', body: `message ${i + 1}` }),
    options: {},
  }))
  messages.splice(GOOD / 2, 0, { content: '{"id": 501, "tenantId":', options: { messageId: 'poison' } })
  for (let start = 0, rounds = 0; start < messages.length && rounds < 10_000; rounds++) {
    const batch = messages.slice(start, start + 50)
    const taken = await Promise.all(batch.map((m) => publish(channel, m.content, m.options)))
    const refused = batch.filter((_, i) => !taken[i])
    messages.splice(start, batch.length, ...batch.filter((_, i) => taken[i]), ...refused)
    start += batch.length - refused.length
    if (refused.length > 0) await sleep(50)
  }
  await channel.close()
}

async function withWorker(
  rabbitmq: RabbitMQFixture,
  databaseUrl: string,
  hardened: boolean,
  body: (worker: Worker) => Promise<void>,
): Promise<void> {
  await using llm = await startUpstream({ kind: 'ok', body: answer }, { name: 'llm' })
  await declareQueues(rabbitmq.channel, { hardened })
  const db = new pg.Pool({ connectionString: databaseUrl, max: 5 })
  const worker = await startWorker(
    await rabbitmq.connection.createChannel(),
    db,
    hardenedLlmClient(llm.url),
    {
      prefetch: 50,
    },
  )
  try {
    await publishWithPoison(rabbitmq)
    await body(worker)
  } finally {
    await worker.stop()
    await db.end()
  }
}

// #region poison-test
test('the malformed message is dead-lettered after its delivery limit; all 1,000 good ones are answered', async ({
  rabbitmq,
  postgres,
}) => {
  await withWorker(rabbitmq, postgres.url, true, async (worker) => {
    await expect({ connection: rabbitmq.connection, queue: DEAD_LETTERS }).toDeadLetter({
      match: (m) => m.properties.messageId === 'poison',
      from: WORK_QUEUE,
      within: 30_000, // a deadline for a loaded machine: it passes as soon as the message is there
    })
    await expect.poll(() => worker.processed.size, { timeout: 30_000 }).toBe(GOOD)
    // The broker's evidence: it gave up on the delivery limit, after 1 + deliveryLimit deliveries.
    const dead = await rabbitmq.channel.get(DEAD_LETTERS, { noAck: true })
    const deaths = (dead === false ? [] : dead.properties.headers?.['x-death']) as { reason: string }[]
    expect(deaths?.[0]?.reason).toBe('delivery_limit')
    expect(worker.failures).toBeGreaterThanOrEqual(QUEUE.deliveryLimit + 1)
  })
  const { rows } = await postgres.client.query('SELECT count(*)::int AS n FROM replies')
  expect(rows[0].n).toBe(GOOD) // stored once each
})
// #endregion poison-test

// The naive queue the audit found: the worker requeues what it cannot handle, and nothing counts the
// deliveries, so the malformed message comes back forever (and costs a delivery each time).
// #region poison-naive
test('on the naive queue the malformed message never reaches the DLQ: toDeadLetter says so', async ({
  rabbitmq,
  postgres,
}) => {
  await withWorker(rabbitmq, postgres.url, false, async (worker) => {
    // Delivered more often than the hardened queue would allow, and still coming back:
    await expect.poll(() => worker.failures, { timeout: 30_000 }).toBeGreaterThan(QUEUE.deliveryLimit + 1)
    let message = ''
    try {
      await expect({ connection: rabbitmq.connection, queue: DEAD_LETTERS }).toDeadLetter({
        match: (m) => m.properties.messageId === 'poison',
        from: WORK_QUEUE,
        within: 2_000,
      })
    } catch (error) {
      message = (error as Error).message
    }
    console.log(message) // what a user of the naive queue would see
    expect(message).toMatch(
      /no matching message dead-lettered from 'messages\.work' reached 'messages\.dlq' within 2\.0 s: 0 messages in the queue/,
    )
    expect(message).toContain('Hint: dead-lettering needs x-dead-letter-exchange')
  })
})
// #endregion poison-naive

import { startUpstream } from '@faultline/http'
import { expect, observeBreaker, test } from '@faultline/vitest'
import pg from 'pg'
import { hardenedLlmClient, LLM, naiveLlmClient } from './llm.js'
import { DEAD_LETTERS, declareQueues, publish, replayDeadLetters, WORK_QUEUE } from './queues.js'
import { startWorker } from './worker.js'

// Scenario 5, black-hole LLM: the upstream accepts the connection, reads the request, and never answers.
// Every budget below is relative to the client's configured timeout and half-open delay (llm.ts), never a
// fixed number of ms: a loaded CI machine slows everything, not the properties.

const answer = { choices: [{ message: { content: 'hello back' } }] }
const WORKERS = 10 // calls in flight at once: the worker's prefetch
const failFast = LLM.timeout * 1.5 // a call gives up at its timeout; half of it again for a loaded machine

// #region black-hole-test
test('calls fail within the timeout, the breaker opens and stops calling, and closes after the heal', async () => {
  await using llm = await startUpstream({ kind: 'ok', body: answer }, { name: 'llm' })
  const client = hardenedLlmClient(llm.url)
  using breaker = observeBreaker(client.breaker!)
  const ask = (signal: AbortSignal) => client.complete('hello', signal)

  const outage = llm.fault({ kind: 'blackHole' })
  // Every worker's call gives up at the timeout instead of hanging: no worker is starved.
  await expect(ask).toFailFastWithin(failFast, { calls: WORKERS })
  // The breaker is open now: a call fails at once, without touching the upstream.
  await expect(ask).toFailFastWithin(LLM.timeout / 10)

  await outage.heal()
  // Recovery: the breaker's half-open probe goes through once its delay is over.
  await expect(ask).toRecoverWithin(LLM.halfOpenAfter + LLM.timeout, { since: outage })

  expect(breaker).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])
  expect(llm).toHaveReceivedAtMost(0, { during: breaker.windows('open') })
  expect(llm).toHaveReceivedAtMost(WORKERS + 1) // the black-holed calls and the probe: no retry storm
})
// #endregion black-hole-test

test('the worker keeps draining its queue while the LLM is a black hole, and answers again after', async ({
  rabbitmq,
  postgres,
}) => {
  await using llm = await startUpstream({ kind: 'ok', body: answer }, { name: 'llm' })
  await declareQueues(rabbitmq.channel, { hardened: true })
  const db = new pg.Pool({ connectionString: postgres.url, max: 5 })
  const client = hardenedLlmClient(llm.url)
  const worker = await startWorker(await rabbitmq.connection.createChannel(), db, client, {
    prefetch: WORKERS,
  })
  const producer = await rabbitmq.connection.createConfirmChannel()
  const send = (id: number) => publish(producer, JSON.stringify({ id, tenantId: 'acme', body: `m${id}` }))
  try {
    const outage = llm.fault({ kind: 'blackHole' })
    for (let id = 1; id <= 3 * WORKERS; id++) expect(await send(id)).toBe(true)
    // Three times as many messages as workers: a worker held by the black hole would stop the queue.
    // Each message fails (a timeout, then the open breaker) and after its delivery limit waits in the DLQ.
    await expect
      .poll(async () => (await rabbitmq.channel.checkQueue(DEAD_LETTERS)).messageCount, { timeout: 30_000 })
      .toBe(3 * WORKERS)
    expect((await rabbitmq.channel.checkQueue(WORK_QUEUE)).messageCount).toBe(0)

    await outage.heal()
    // Once the breaker has closed again, the messages the outage dead-lettered are replayed and answered.
    await expect((signal: AbortSignal) => client.complete('ping', signal)).toRecoverWithin(
      LLM.halfOpenAfter + LLM.timeout,
      { since: outage },
    )
    expect(await replayDeadLetters(producer)).toBe(3 * WORKERS)
    await expect.poll(() => worker.processed.size, { timeout: 30_000 }).toBe(3 * WORKERS)
  } finally {
    await worker.stop()
    await db.end()
  }
})

// The naive client the audit found has no timeout: each worker's call waits for an answer that never comes,
// and every worker ends up holding one. The matcher gives up at its deadline and aborts the calls' signals.
// #region black-hole-naive
test('without a timeout, every worker hangs on the black hole: toFailFastWithin says so', async () => {
  await using llm = await startUpstream({ kind: 'blackHole' }, { name: 'llm' })
  const client = naiveLlmClient(llm.url)
  let message = ''
  try {
    await expect((signal: AbortSignal) => client.complete('hello', signal)).toFailFastWithin(failFast, {
      calls: WORKERS,
    })
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive client would see
  expect(message).toMatch(
    /10 calls of 10 still pending after [\d,]+ ms > 3,000 ms: gave up and aborted its signal/,
  )
  expect(message).toContain('Hint: the call hangs: give it a timeout shorter than 3,000 ms')
})
// #endregion black-hole-naive

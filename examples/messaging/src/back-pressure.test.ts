import { monitorQueueDepth } from '@faultline/containers'
import { History, type LoadReport, load, type Monitor, scaled } from '@faultline/core'
import {
  expect,
  type PostgresFixture,
  type RabbitMQFixture,
  type RedisFixture,
  test,
} from '@faultline/vitest'
import type { Channel } from 'amqplib'
import pg from 'pg'
import { PUBLISH_TIMEOUT, startApi } from './api.js'
import { declareQueues, QUEUE, WORK_QUEUE } from './queues.js'

// Scenario 3, broker back-pressure: the workers are stopped and 100 messages a second keep arriving (the
// audit's rate), for 3 s here: 300 messages, half again what the hardened queue holds (QUEUE.maxLength).
// Is the queue bounded, does the API answer 503 at once instead of hanging, and is every message the API
// acknowledged (202) in the queue?

const RATE = scaled(100) // the audit's rate at FAULTLINE_LOAD_SCALE=1
const DURATION = 3_000
const IN_FLIGHT = 50 // requests in flight at most; a quorum queue also takes the publishes in flight when it fills

async function drain(channel: Channel): Promise<string[]> {
  const bodies: string[] = []
  for (let i = 0; i < 10_000; i++) {
    const message = await channel.get(WORK_QUEUE, { noAck: true })
    if (message === false) break
    bodies.push((JSON.parse(message.content.toString()) as { body: string }).body)
  }
  return bodies
}

async function floodWithWorkersStopped(
  {
    postgres,
    rabbitmq,
    redis,
  }: { postgres: PostgresFixture; rabbitmq: RabbitMQFixture; redis: RedisFixture },
  depth: Monitor,
  hardened: boolean,
) {
  await declareQueues(rabbitmq.channel, { hardened })
  const pool = new pg.Pool({ connectionString: postgres.url, max: 10 })
  await using api = await startApi({
    pool,
    cache: redis.client,
    channel: await rabbitmq.connection.createConfirmChannel(),
    hardened,
  })
  const history = new History<string>()
  let n = 0
  const post = (text: string, signal: AbortSignal) =>
    fetch(`${api.url}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': 'acme', 'idempotency-key': text },
      body: JSON.stringify({ text }),
      signal,
    }).then(async (res) => {
      const body = (await res.json()) as { id?: number }
      if (res.status !== 202) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status })
      return body.id!
    })
  let report: LoadReport
  try {
    report = await load(
      ({ signal }) => {
        const text = `m-${++n}`
        return history.record(text, () => post(text, signal), { id: text }) // 202: acknowledged
      },
      { rate: RATE, duration: DURATION, maxInFlight: IN_FLIGHT, timeout: 10 * PUBLISH_TIMEOUT, seed: 3 },
    )
  } finally {
    await pool.end()
  }
  const monitor = await depth.stop()
  return { report, history, monitor, queued: await drain(rabbitmq.channel) }
}

// #region back-pressure-test
test('with the workers stopped, the queue stays bounded, the API answers 503 at once, nothing acknowledged is lost', async ({
  postgres,
  rabbitmq,
  redis,
  services,
}) => {
  const depth = monitorQueueDepth(services.rabbitmq(), WORK_QUEUE, { vhost: rabbitmq.vhost, interval: 50 })
  const { report, history, monitor, queued } = await floodWithWorkersStopped(
    { postgres, rabbitmq, redis },
    depth,
    true,
  )
  console.log(report.summary())
  expect(monitor).toNeverExceed(QUEUE.maxLength + IN_FLIGHT)
  // Every request answered: the ones over the bound with a 503, none hanging until the load gave up on it.
  expect(Object.keys(report.errorsByKind)).toEqual(['HTTP 503'])
  // And answered fast: within the API's publish timeout plus what requests cost on this machine before the
  // queue filled (the first second). A fixed number of ms would fail a loaded machine.
  expect(report).toHaveP99Below(PUBLISH_TIMEOUT + 5 * report.window(0, 1_000).p95)
  expect(history).toHaveNoLostWrites(queued) // every 202 is in the queue
  expect(history).toHaveNoDuplicates(queued)
})
// #endregion back-pressure-test

// The naive API publishes without confirms into a queue without a bound: it answers 202 to everything, and
// the queue grows for as long as the workers are gone (until the broker's memory alarm blocks every
// publisher, and the API with it).
// #region back-pressure-naive
test('the naive queue grows without bound: toNeverExceed says by how much', async ({
  postgres,
  rabbitmq,
  redis,
  services,
}) => {
  const depth = monitorQueueDepth(services.rabbitmq(), WORK_QUEUE, { vhost: rabbitmq.vhost, interval: 50 })
  const { monitor } = await floodWithWorkersStopped({ postgres, rabbitmq, redis }, depth, false)
  let message = ''
  try {
    expect(monitor).toNeverExceed(QUEUE.maxLength + IN_FLIGHT)
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive queue would see
  expect(message).toMatch(/depth of queue messages\.work peaked at \d+ messages > 250 messages/)
})
// #endregion back-pressure-naive

import { expect, test } from '@faultline/vitest'
import { consumeSettlements, declareSettlementQueues, type Settlement, transfer } from './payments.js'

test('a malformed settlement lands in the DLQ; the 200 good ones are all settled', async ({
  rabbitmq,
  postgres,
}) => {
  await declareSettlementQueues(rabbitmq.channel)
  const settled: Settlement[] = []
  const tag = await consumeSettlements(rabbitmq.channel, async (s) => {
    settled.push(s)
  })

  for (let i = 0; i < 200; i++) {
    rabbitmq.channel.sendToQueue('settlements', Buffer.from(JSON.stringify({ from: 1, to: 2, cents: 1 })))
    if (i === 100)
      rabbitmq.channel.sendToQueue('settlements', Buffer.from('{"from": 1,'), { messageId: 'bad-1' })
  }

  await expect({ connection: rabbitmq.connection, queue: 'settlements.dlq' }).toDeadLetter({
    match: (m) => m.properties.messageId === 'bad-1',
    from: 'settlements',
    within: 10_000,
  })
  await expect.poll(() => settled.length, { timeout: 10_000 }).toBe(200)
  await rabbitmq.channel.cancel(tag)

  // The settled requests, applied for real, balance out.
  for (const s of settled.slice(0, 10)) await transfer(postgres.client, s.from, s.to, s.cents)
  const { rows } = await postgres.client.query('SELECT sum(balance_cents)::int AS total FROM accounts')
  expect(rows[0].total).toBe(15_000)
})

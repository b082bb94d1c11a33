import type { Channel, ConsumeMessage } from 'amqplib'
import type { Redis } from 'ioredis'
import type pg from 'pg'

/** Moves money between two accounts and writes the ledger line, in one transaction. */
export async function transfer(
  db: pg.ClientBase,
  fromId: number,
  toId: number,
  cents: number,
): Promise<void> {
  await db.query('BEGIN')
  try {
    await db.query('UPDATE accounts SET balance_cents = balance_cents - $2 WHERE id = $1', [fromId, cents])
    await db.query('UPDATE accounts SET balance_cents = balance_cents + $2 WHERE id = $1', [toId, cents])
    await db.query('INSERT INTO ledger (from_id, to_id, cents) VALUES ($1, $2, $3)', [fromId, toId, cents])
    await db.query('COMMIT')
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {}) // the connection may be gone; the error below is what matters
    throw error
  }
}

/** A settlement request as it arrives on the queue. */
export interface Settlement {
  from: number
  to: number
  cents: number
}

/**
 * Declares the settlement queues: a quorum queue that gives a message 3 deliveries, then dead-letters it
 * to `settlements.dlq` — so one malformed request cannot loop forever.
 */
export async function declareSettlementQueues(channel: Channel): Promise<void> {
  await channel.assertQueue('settlements.dlq', { durable: true })
  await channel.assertQueue('settlements', {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': 2,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'settlements.dlq',
    },
  })
}

/** Consumes settlement requests; what it cannot parse goes back to the broker, which counts deliveries. */
export async function consumeSettlements(
  channel: Channel,
  settle: (s: Settlement) => Promise<void>,
): Promise<string> {
  await channel.prefetch(20)
  const { consumerTag } = await channel.consume('settlements', (m: ConsumeMessage | null) => {
    if (!m) return
    let request: Settlement
    try {
      request = JSON.parse(m.content.toString()) as Settlement
    } catch {
      channel.nack(m, false, true)
      return
    }
    settle(request).then(
      () => channel.ack(m),
      () => channel.nack(m, false, true),
    )
  })
  return consumerTag
}

/** How a balance read treats a cache failure. */
export interface BalanceOptions {
  /**
   * `true` (hardened, the default): when Redis fails, PostgreSQL answers alone. `false` (the naive form): a
   * Redis error fails the read, so a cache outage becomes an API outage.
   */
  readonly fallback?: boolean
}

/** Reads a balance through Redis, filling the cache from PostgreSQL on a miss. */
export async function balance(
  db: pg.Pool | pg.Client,
  cache: Redis,
  accountId: number,
  { fallback = true }: BalanceOptions = {},
): Promise<number> {
  const read = cache.get(`balance:${accountId}`)
  const cached = fallback ? await read.catch(() => null) : await read
  if (cached !== null) return Number(cached)
  const { rows } = await db.query<{ balance_cents: number }>(
    'SELECT balance_cents FROM accounts WHERE id = $1',
    [accountId],
  )
  const cents = rows[0]?.balance_cents ?? 0
  await cache.set(`balance:${accountId}`, String(cents), 'EX', 1).catch(() => {})
  return cents
}

import type { Channel } from 'amqplib'
import type { Redis } from 'ioredis'
import type pg from 'pg'

export interface Order {
  id: string
  customer: string
  totalCents: number
}

/**
 * A small order service of the kind Faultline is for: it writes to PostgreSQL in a transaction,
 * announces new orders on RabbitMQ, and reads through a Redis cache that it can live without.
 */
export class OrderService {
  constructor(
    private readonly db: pg.Client,
    private readonly cache: Redis,
    private readonly channel: Channel,
  ) {}

  /** Stores the order and counts it for its customer, all or nothing; then announces it. */
  async place(order: Order): Promise<void> {
    await this.db.query('BEGIN')
    try {
      await this.db.query('INSERT INTO orders (id, customer, total_cents) VALUES ($1, $2, $3)', [
        order.id,
        order.customer,
        order.totalCents,
      ])
      await this.db.query(
        `INSERT INTO customers (name, order_count) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET order_count = customers.order_count + 1`,
        [order.customer],
      )
      await this.db.query('COMMIT')
    } catch (error) {
      await this.db.query('ROLLBACK')
      throw error
    }
    await this.channel.assertQueue('orders.placed', { durable: true })
    this.channel.sendToQueue('orders.placed', Buffer.from(JSON.stringify(order)), { persistent: true })
  }

  /** Reads an order through the cache; when Redis fails, the database answers alone. */
  async get(id: string): Promise<Order | undefined> {
    const cached = await this.cache.get(`order:${id}`).catch(() => null)
    if (cached) return JSON.parse(cached) as Order
    const { rows } = await this.db.query<{ id: string; customer: string; total_cents: number }>(
      'SELECT id, customer, total_cents FROM orders WHERE id = $1',
      [id],
    )
    const row = rows[0]
    if (!row) return undefined
    const order = { id: row.id, customer: row.customer, totalCents: row.total_cents }
    await this.cache.set(`order:${id}`, JSON.stringify(order), 'EX', 60).catch(() => {})
    return order
  }
}

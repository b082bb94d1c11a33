// Exploration benchmark: what a point costs (one fresh state — a database copied ahead of time from the
// template, a key space, a vhost — one run through the proxy, one check), with the default faults (cut
// before and in flight after each client message), for a 3-statement PostgreSQL transaction, a Redis
// MULTI/EXEC and an AMQP publish with confirm. Results: bench/results/explore.json.
// Target (issue: explore every fault point): the whole space of a 12-message transaction in under 5 s on
// this machine — projected from the measured points per second, as 12 messages x 2 faults.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { postgresContainer, rabbitmqContainer, redisContainer } from '@faultline/containers'
import { type ExploreOptions, type ExploreResult, explore } from '@faultline/proxy'
import amqp from 'amqplib'
import { Redis } from 'ioredis'
import pg from 'pg'
import { median, round } from './support.ts'

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)

async function counts(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ o: number; i: number }>(
      'SELECT (SELECT count(*) FROM orders)::int AS o, (SELECT count(*) FROM order_items)::int AS i',
    )
    return `${rows[0]?.o}/${rows[0]?.i}`
  } finally {
    await client.end()
  }
}

async function transaction({ url }: { url: string }): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
    await client.query("INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2)")
    await client.query("INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'cup', 1)")
    await client.query('COMMIT')
  } finally {
    await client.end().catch(() => {})
  }
}

type Space = { messages: number; points: number; ms: number; pointsPerSecond: number }

/** Explores `operation` `rounds` times; every point must hold (a bench of a broken operation measures nothing). */
async function spaces(
  operation: (context: { url: string }) => Promise<void>,
  options: Omit<ExploreOptions, 'seed'>,
): Promise<{ spaces: Space[]; pointsPerSecondMedian: number; wholeSpaceMedianMs: number }> {
  const out: Space[] = []
  for (let r = 0; r < rounds; r++) {
    const result: ExploreResult = await explore(operation, { ...options, seed: r + 1 })
    if (result.counts.ok !== result.points.length)
      throw new Error(`bench: not every point held: ${JSON.stringify(result.counts)}`)
    out.push({
      messages: result.messages.length,
      points: result.points.length,
      ms: round(result.durationMs, 0),
      pointsPerSecond: round((result.points.length + 1) / (result.durationMs / 1000), 1),
    })
  }
  return {
    spaces: out,
    pointsPerSecondMedian: median(out.map((s) => s.pointsPerSecond)),
    wholeSpaceMedianMs: median(out.map((s) => s.ms)),
  }
}

async function multiExec({ url }: { url: string }): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.multi().set('stock', '9').rpush('orders', 'o-1').exec()
  } finally {
    redis.disconnect()
  }
}

async function publishWithConfirm({ url }: { url: string }): Promise<void> {
  const connection = await amqp.connect(url)
  connection.on('error', () => {})
  const gone = new Promise((resolve) => connection.once('close', resolve))
  try {
    const channel = await connection.createConfirmChannel()
    channel.on('error', () => {})
    await channel.assertQueue('orders', { durable: true })
    channel.sendToQueue('orders', Buffer.from('o-1'), { persistent: true })
    await Promise.race([channel.waitForConfirms(), gone])
  } finally {
    await Promise.race([connection.close().catch(() => {}), gone])
  }
}

// Redis and RabbitMQ: every run must end, and the check reads nothing (the cost of a point is the state
// and the run); the PostgreSQL space below also reads the tables.
const cache = await redisContainer().start('bench-explore-redis')
const mq = await rabbitmqContainer().start('bench-explore-mq')
let others: Record<string, Awaited<ReturnType<typeof spaces>>>
try {
  others = {
    redisMultiExec: await spaces(multiExec, { fresh: () => cache.isolate(), check: () => undefined }),
    amqpPublishWithConfirm: await spaces(publishWithConfirm, {
      fresh: () => mq.isolate(),
      check: () => undefined,
    }),
  }
} finally {
  await Promise.all([cache.close(), mq.close()])
}

async function retriedTransaction(context: { url: string }): Promise<void> {
  try {
    await transaction(context)
  } catch {
    await transaction(context)
  }
}

const db = await postgresContainer({
  template: async (client) => {
    await client.query('CREATE TABLE orders (id text PRIMARY KEY, customer text NOT NULL)')
    await client.query(
      'CREATE TABLE order_items (order_id text NOT NULL, sku text NOT NULL, qty int NOT NULL, PRIMARY KEY (order_id, sku))',
    )
  },
}).start('bench-explore')
try {
  const spaces: { messages: number; points: number; ms: number; pointsPerSecond: number }[] = []
  for (let r = 0; r < rounds; r++) {
    const result = await explore(transaction, {
      fresh: () => db.isolate(),
      check: {
        name: 'all or nothing',
        read: (state) => counts(state.url),
        judge: ({ after }) => (after === '0/0' || after === '1/2' ? undefined : `found ${after}`),
      },
      seed: r + 1,
    })
    if (result.counts.ok !== result.points.length)
      throw new Error(`bench: not every point held: ${JSON.stringify(result.counts)}`)
    spaces.push({
      messages: result.messages.length,
      points: result.points.length,
      ms: round(result.durationMs, 0),
      pointsPerSecond: round((result.points.length + 1) / (result.durationMs / 1000), 1),
    })
  }
  const pointsPerSecond = median(spaces.map((s) => s.pointsPerSecond))
  const wholeSpaceMs = median(spaces.map((s) => s.ms))
  // The yardstick: 12 messages x the 2 default faults, plus the recording run.
  const projected12 = round(((12 * 2 + 1) / pointsPerSecond) * 1000, 0)
  // Pairs of faults (combinations): a transaction retried once, whose retry is where the second fault
  // lands; pairs per second over the search alone (after the single points).
  let singlesEnd = 0
  const retried = await explore(retriedTransaction, {
    fresh: () => db.isolate(),
    check: {
      name: 'all or nothing',
      read: (state) => counts(state.url),
      judge: ({ after }) => (after === '0/0' || after === '1/2' ? undefined : `found ${after}`),
    },
    combinations: { runs: 30 },
    seed: 1,
    onPoint: () => {
      singlesEnd = performance.now()
    },
  })
  const pairsMs = retried.durationMs - (singlesEnd - (performance.now() - retried.durationMs))
  const pairSearch = {
    transaction: 'the same, retried once on any error (a second connection)',
    pairs: retried.combinations?.pairs,
    explored: retried.combinations?.explored,
    failed: retried.combinations?.counts.failed,
    searchMs: round(pairsMs, 0),
    pairsPerSecond: round((retried.combinations?.explored ?? 0) / (pairsMs / 1000), 1),
  }
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    image: db.info.image,
    rounds,
    transaction: 'BEGIN; 3 INSERTs; COMMIT (simple queries), connect and end included',
    faults: ['cut', 'inFlight'],
    spaces,
    messages: spaces[0]?.messages,
    points: spaces[0]?.points,
    wholeSpaceMedianMs: wholeSpaceMs,
    pointsPerSecondMedian: pointsPerSecond,
    projected12MessageSpaceMs: projected12,
    target: 'projected12MessageSpaceMs < 5000',
    met: projected12 < 5_000,
    pairSearch,
    ...others,
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'explore.json')
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
  console.log(JSON.stringify(result, null, 2))
  console.log(`written to ${out}`)
} finally {
  await db.close()
}

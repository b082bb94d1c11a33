// Exploration against the run's Redis (a fresh key space per run): a read-modify-write of two keys without
// MULTI/EXEC is caught with no point given; the same work in MULTI/EXEC holds at every point.
import { test } from '@faultline/vitest'
import { atomicity } from '@faultline/vitest/matchers'
import { Redis } from 'ioredis'
import { describe, expect } from 'vitest'

/** Broken: reads the stock, then writes it and the order as two separate commands. */
async function reserveApart(redis: Redis): Promise<void> {
  const stock = Number((await redis.get('stock')) ?? 10)
  await redis.set('stock', String(stock - 1))
  await redis.rpush('orders', 'o-1')
}

/** Correct: the writes in one MULTI/EXEC, guarded by WATCH. */
async function reserve(redis: Redis): Promise<void> {
  await redis.watch('stock')
  const stock = Number((await redis.get('stock')) ?? 10)
  const done = await redis
    .multi()
    .set('stock', String(stock - 1))
    .rpush('orders', 'o-1')
    .exec()
  if (done === null) throw new Error('stock changed under us; retry')
}

/** Runs `work` on a client through the run's proxy that fails at once instead of reconnecting. */
const operation =
  (work: (redis: Redis) => Promise<void>) =>
  async ({ url }: { url: string }): Promise<void> => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    redis.on('error', () => {})
    try {
      await redis.connect()
      await work(redis)
    } finally {
      redis.disconnect()
    }
  }

const check = () => atomicity({ keys: ['stock', 'orders'] })

describe('.toSurviveEveryFault on Redis', () => {
  test('fails when the read-modify-write is not in MULTI/EXEC, naming the point', async ({ services }) => {
    const survives = expect(operation(reserveApart)).toSurviveEveryFault({
      service: services.redis(),
      check: check(),
      seed: 3,
    })
    const text = await survives.then(
      () => 'passed',
      (error: Error) => error.message,
    )
    expect(text).toMatch(
      /^atomicity broken at cut after the server received `SET stock 9` \(message \d+ of \d+\), before its answer\nfound partial \(1 of 2 keys written: stock = "9"; not written: orders = null\)$/m,
    )
    expect(text).toMatch(/^replay it alone: \{ replay: 'inFlight@SET#1', seed: 3 \}$/m)
    expect(text).toMatch(/^Hint: part of the writes reached Redis before the fault: .* MULTI\/EXEC/m)
  })

  test('passes when the writes are in MULTI/EXEC', async ({ services }) => {
    await expect(operation(reserve)).toSurviveEveryFault({ service: services.redis(), check: check() })
  })
})

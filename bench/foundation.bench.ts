// Foundation benchmark: how long services take to start, alone and together, and what per-test isolation
// costs next to restarting a container. Results: bench/results/foundation.json. Targets are ratios within
// this run (absolute times on a shared 2-core machine are noise):
//   parallel start of all three <= 1.2 x the slowest single service;
//   per-test isolation (median) < 50 ms for PostgreSQL and Redis.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { postgresContainer, rabbitmqContainer, redisContainer } from '@faultline/containers'

const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const round1 = (x: number) => Math.round(x * 10) / 10

async function timeStart(start: () => Promise<{ close(): Promise<void> }[]>): Promise<number> {
  const t0 = performance.now()
  const services = await start()
  const took = performance.now() - t0
  await Promise.all(services.map((s) => s.close()))
  return took
}

const alone: Record<string, number[]> = { postgres: [], redis: [], rabbitmq: [] }
const together: number[] = []
for (let r = 0; r < rounds; r++) {
  alone.postgres!.push(await timeStart(async () => [await postgresContainer().start('bench-pg')]))
  alone.redis!.push(await timeStart(async () => [await redisContainer().start('bench-redis')]))
  alone.rabbitmq!.push(await timeStart(async () => [await rabbitmqContainer().start('bench-mq')]))
  together.push(
    await timeStart(() =>
      Promise.all([
        postgresContainer().start('bench-pg'),
        redisContainer().start('bench-redis'),
        rabbitmqContainer().start('bench-mq'),
      ]),
    ),
  )
}
const aloneMedian = Object.fromEntries(Object.entries(alone).map(([k, v]) => [k, round1(median(v))]))
const slowest = Math.max(...Object.values(aloneMedian))
const parallel = round1(median(together))

async function timeEach(n: number, fn: () => Promise<void>): Promise<number[]> {
  await fn() // warm-up: first connections
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  return times
}

const pgNoPool = postgresContainer({ isolationPool: 0 }).start('bench-pg-nopool')
const [pg, cache, mq] = await Promise.all([
  postgresContainer({
    template: async (c) => {
      await c.query('CREATE TABLE t (id int PRIMARY KEY, v text)')
      await c.query("INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 1000) g")
    },
  }).start('bench-pg'),
  redisContainer().start('bench-redis'),
  rabbitmqContainer().start('bench-mq'),
])
try {
  // Node 22 has no `await using` yet outside transpiled code, hence the explicit disposal.
  // PostgreSQL with its pool of databases copied ahead of time: what a test waits for is taking one and
  // dropping it; the test body (150 ms here, excluded from the time) gives the pool time to refill.
  const pgIsolate: number[] = []
  await (await pg.isolate()).drop()
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now()
    const db = await pg.isolate()
    const t1 = performance.now()
    await new Promise((r) => setTimeout(r, 150))
    const t2 = performance.now()
    await db.drop()
    pgIsolate.push(t1 - t0 + (performance.now() - t2))
  }
  // The same without the pool: CREATE DATABASE … TEMPLATE on the test's critical path.
  const pgCold = await pgNoPool.then((p) => timeEach(15, async () => (await p.isolate()).drop()))
  const redisIsolate = await timeEach(50, async () => (await cache.isolate()).release())
  const mqIsolate = await timeEach(10, async () => (await mq.isolate()).delete())
  const pgRestart = await timeEach(2, async () => void (await pg.restart({ timeout: 1_000 })))
  const redisRestart = await timeEach(2, async () => void (await cache.restart({ timeout: 1_000 })))
  const mqRestart = await timeEach(1, async () => void (await mq.restart({ timeout: 1_000 })))

  const isolation = {
    postgres: { medianMs: round1(median(pgIsolate)), samples: pgIsolate.length, pool: 2 },
    postgresWithoutPool: { medianMs: round1(median(pgCold)), samples: pgCold.length, pool: 0 },
    redis: { medianMs: round1(median(redisIsolate)), samples: redisIsolate.length },
    rabbitmq: { medianMs: round1(median(mqIsolate)), samples: mqIsolate.length },
  }
  const restart = {
    postgres: { medianMs: round1(median(pgRestart)), samples: pgRestart.length },
    redis: { medianMs: round1(median(redisRestart)), samples: redisRestart.length },
    rabbitmq: { medianMs: round1(median(mqRestart)), samples: mqRestart.length },
  }
  const result = {
    benchmark: 'foundation',
    date: new Date().toISOString(),
    node: process.version,
    images: { postgres: pg.info.image, redis: cache.info.image, rabbitmq: mq.info.image },
    rounds,
    start: {
      aloneMedianMs: aloneMedian,
      parallelMedianMs: parallel,
      parallelOverSlowest: round1((parallel / slowest) * 100) / 100,
      target: 'parallelOverSlowest <= 1.2',
      met: parallel / slowest <= 1.2,
    },
    isolation: {
      perTest: isolation,
      restartContainer: restart,
      isolationOverRestart: {
        postgres: round1((isolation.postgres.medianMs / restart.postgres.medianMs) * 1000) / 1000,
        redis: round1((isolation.redis.medianMs / restart.redis.medianMs) * 1000) / 1000,
        rabbitmq: round1((isolation.rabbitmq.medianMs / restart.rabbitmq.medianMs) * 1000) / 1000,
      },
      target: 'postgres and redis per-test isolation median < 50 ms',
      met: isolation.postgres.medianMs < 50 && isolation.redis.medianMs < 50,
    },
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'foundation.json')
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
  console.log(JSON.stringify(result, null, 2))
  console.log(`written to ${out}`)
} finally {
  await Promise.all([pg.close(), cache.close(), mq.close(), pgNoPool.then((p) => p.close())])
}

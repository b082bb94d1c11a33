import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type ContainerFault,
  type PostgresService,
  postgresContainer,
  type RedisService,
  redisContainer,
} from '@faultline/containers'
import {
  faultImpact,
  type LoadReport,
  type LoadTaskContext,
  load,
  now,
  scaled,
  Timeline,
} from '@faultline/core'
import { expect, test } from '@faultline/vitest'
import { login, me, type Tokens } from './client.js'
import { createPool, PG_POOL } from './pg-pool.js'
import { createRedis, REDIS } from './redis.js'
import { migrate } from './schema.js'
import { HEALTH_TIMEOUT, startAuth } from './server.js'

// Scenario 13, container restart / kill / pause of PostgreSQL and Redis under load: 100 requests a second
// (80 % API calls, which need Redis only, 20 % logins, which need PostgreSQL and Redis; seeded); 1 s in,
// one container is restarted, or killed and started 3.5 s later, or paused and unpaused 3.5 s later; the
// run stops (load's `stop`) 1 s after the service's health says the dependency is back, however long the
// container took to answer again here. Each case prints its numbers: when the service's health saw the
// outage, when the first failing call started, the success rate and p99 during the outage, and how long
// callers and the health check took to recover.
// The audit gave no size ("under load"); FAULTLINE_LOAD_SCALE=10 makes it 1,000 requests a second. A
// PostgreSQL and a Redis of the file's own (not the fixtures' shared ones): no other test sees the outages.

const RATE = scaled(100)
const BEFORE = 1_000
/** Longer than the fail-fast pool's waits, so that a request held through the outage shows. */
const OUTAGE = 3_500
const AFTER = 1_000

/** The promise for Redis: a request falls back within 1 s, whatever Redis does. */
const FALLBACK_WITHIN = 1_000
/** What a request needing PostgreSQL waits at most before it fails: one connection, one query. */
const FAIL_FAST_WITHIN = PG_POOL.connectionTimeout + PG_POOL.queryTimeout
/** How often the test asks the service's `/health`. */
const WATCH_EVERY = 50
/** How long callers may keep failing once the container answers: a reconnection (or a failed request's
 * waits) plus one health check, five times over for a loaded machine. */
const RECOVERY = {
  postgres: 5 * (FAIL_FAST_WITHIN + HEALTH_TIMEOUT),
  redis: 5 * (REDIS.reconnectDelay + HEALTH_TIMEOUT),
}

type Target = keyof typeof RECOVERY
type Operation = 'restart' | 'kill' | 'pause'

/** A PostgreSQL and a Redis of the file's own, and the database the service uses. */
interface Containers {
  postgres: PostgresService
  redis: RedisService
  databaseUrl: string
}

const chaosTest = test
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from the pattern.
  .extend('containers', { scope: 'file' }, async ({}, { onCleanup }): Promise<Containers> => {
    const postgres = await postgresContainer({ template: migrate }).start('auth-chaos-db')
    let redis: RedisService | undefined
    // Removes the containers after the file's last test (or after a failed start).
    onCleanup(async () => {
      await Promise.all([postgres.close(), redis?.close()])
    })
    redis = await redisContainer().start('auth-chaos-redis')
    return { postgres, redis, databaseUrl: (await postgres.isolate()).url }
  })
  // Every case's numbers, printed as a markdown table after the file's last test.
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from the pattern.
  .extend('table', { scope: 'file' }, async ({}, { onCleanup }): Promise<Numbers[]> => {
    const table: Numbers[] = []
    onCleanup(() => console.log(markdown(table)))
    return table
  })

/** Restarts, kills or pauses the container; returns its fault, healed (started or unpaused, answering). */
async function disturb(
  service: PostgresService | RedisService,
  operation: Operation,
  timeline: Timeline,
): Promise<ContainerFault> {
  if (operation === 'restart') return service.restart({ timeline, timeout: 500 }) // healed once it answers
  const fault = operation === 'kill' ? await service.kill({ timeline }) : await service.pause({ timeline })
  try {
    await sleep(OUTAGE)
  } finally {
    await fault.heal() // starts or unpauses it, and waits until it answers
  }
  return fault
}

interface HealthAnswer {
  /** Epoch ms (core's `now()`) when the answer came. */
  at: number
  postgres: boolean
  redis: boolean
}

/** Asks the service's `/health` every `WATCH_EVERY` ms; `stop()` returns the answers (a bounded loop). */
function watchHealth(url: string) {
  const answers: HealthAnswer[] = []
  const stopped = new AbortController()
  const polling = (async () => {
    for (let n = 0; n < 10_000 && !stopped.signal.aborted; n++) {
      try {
        const res = await fetch(`${url}/health`, { signal: stopped.signal })
        const health = (await res.json()) as { postgres: string; redis: string }
        answers.push({ at: now(), postgres: health.postgres === 'ok', redis: health.redis === 'ok' })
      } catch {} // stopped while waiting for an answer
      await sleep(WATCH_EVERY)
    }
  })()
  return {
    /** Resolves once `/health` said the dependency is ok at or after `since` (epoch ms), or after `within` ms. */
    async backSince(target: Target, since: number, within: number) {
      const deadline = now() + within
      while (now() < deadline && !answers.some((a) => a.at >= since && a[target])) await sleep(WATCH_EVERY)
    },
    async stop() {
      stopped.abort()
      await polling
      return answers
    },
  }
}

/** Runs the load against a service whose PostgreSQL or Redis is disturbed 1 s in. */
async function underLoad(
  containers: Containers,
  [target, operation]: readonly [Target, Operation],
  hardened: boolean,
) {
  const db = createPool(containers.databaseUrl, { hardened })
  const redis = createRedis(containers.redis.url, { hardened })
  try {
    await using auth = await startAuth({ db, redis, secret: randomBytes(32), hardened })
    // The API calls' sessions, logged in as many at a time as the pool has connections: it opens them all
    // before the load, whose first second is the baseline of the budgets.
    const sessions: Tokens[] = []
    for (let n = 1; n <= 20; n += PG_POOL.max)
      sessions.push(
        ...(await Promise.all(Array.from({ length: PG_POOL.max }, (_, i) => login(auth.url, n + i)))),
      )
    const tasks = [
      {
        tag: 'api',
        weight: 80,
        run: ({ index, signal }: LoadTaskContext) => me(auth.url, sessions[index % 20]!.accessToken, signal),
      },
      {
        tag: 'login',
        weight: 20,
        run: ({ index, signal }: LoadTaskContext) => login(auth.url, 21 + (index % 500), { signal }),
      },
    ]
    const timeline = new Timeline()
    const health = watchHealth(auth.url)
    // The run ends (stop) AFTER ms after the recovery, however long the container took to answer again;
    // its duration only bounds it. timeout: a caller's patience, longer than an outage, so that a request
    // held through one shows its whole wait (given up on after 10 s, it counts as failed).
    const stop = new AbortController()
    const options = { rate: RATE, duration: 30_000, interval: 100, timeout: 10_000, seed: 13 }
    const run = load(tasks, { ...options, timeline, stop: stop.signal })
    let fault: ContainerFault
    let answers: HealthAnswer[]
    try {
      await sleep(BEFORE)
      fault = await disturb(containers[target], operation, timeline)
      await health.backSince(target, fault.healedAt ?? now(), RECOVERY[target])
      await sleep(AFTER) // callers after the recovery
    } finally {
      stop.abort()
      await run.catch(() => {}) // the load ends before the service closes, whatever happened
      answers = await health.stop()
    }
    return { report: await run, fault, answers }
  } finally {
    redis.disconnect()
    await db.end()
  }
}

/** The window a case is judged on: the outage, and at least `OUTAGE` ms from its start (a restart's
 * window then covers the reconnections after it, and holds enough calls to judge). */
function outageWindow(report: LoadReport, fault: ContainerFault): LoadReport {
  const from = fault.startedAt - report.startedAt
  const to = (fault.healedAt ?? now()) - report.startedAt
  return report.window(from, Math.max(to, from + OUTAGE))
}

const rate = (report: LoadReport) =>
  report.count === 0 ? '-' : `${((100 * report.ok) / report.count).toFixed(1)} %`

/** The numbers of one case, from the report and the service's health answers. */
function numbersOf(target: Target, report: LoadReport, fault: ContainerFault, answers: HealthAnswer[]) {
  const healedAt = fault.healedAt ?? Number.POSITIVE_INFINITY
  const down = answers.find((a) => a.at >= fault.startedAt && !a[target])
  const back = answers.find((a) => a.at >= healedAt && a[target])
  const impact = faultImpact(report, fault.name)
  const outage = outageWindow(report, fault)
  const ms = (n: number | null | undefined) => (n === null || n === undefined ? null : Math.round(n))
  return {
    fault: fault.name,
    outageMs: ms(healedAt - fault.startedAt),
    /** When the service's health first said the dependency was down. */
    detectedMs: ms(down && down.at - fault.startedAt),
    /** When the first call that failed started (core's faultImpact). */
    firstErrorMs: ms(impact.detectionMs),
    api: rate(outage.tag('api')),
    login: rate(outage.tag('login')),
    p99Ms: ms(outage.p99),
    /** How long callers kept failing after the container answered again (core's faultImpact). */
    recoveryMs: ms(impact.recoveryMs),
    /** When the service's health first said the dependency was ok again, after it answered. */
    healthBackMs: ms(back && back.at - healedAt),
  }
}

type Numbers = ReturnType<typeof numbersOf>

function markdown(table: Numbers[]): string {
  const cell = (v: string | number | null) => (v === null ? 'never' : typeof v === 'number' ? `${v} ms` : v)
  const row = (cells: (string | number | null)[]) => `| ${cells.map(cell).join(' | ')} |`
  return table.length === 0
    ? ''
    : [row(Object.keys(table[0]!)), ...table.map((n) => row(Object.values(n)))].join('\n')
}

const CASES = [
  ['postgres', 'restart'],
  ['postgres', 'kill'],
  ['postgres', 'pause'],
  ['redis', 'restart'],
  ['redis', 'kill'],
  ['redis', 'pause'],
] as const

/**
 * What a case is held to: the code's own waits, plus 5 x what a request cost here before the fault (the
 * p95 of the first second: a loaded machine slows everything down).
 */
function budgets(target: Target, report: LoadReport) {
  const margin = Math.ceil(5 * report.window(0, BEFORE).p95)
  return {
    // Redis away: the fallback answers within 1 s. PostgreSQL away: logins fail within the pool's waits.
    slo:
      target === 'redis'
        ? { p99: FALLBACK_WITHIN + margin, errorRate: 0.01 }
        : { p99: FAIL_FAST_WITHIN + margin },
    detection: HEALTH_TIMEOUT + WATCH_EVERY + margin, // the health check's timeout, and the next ask
    recovery: RECOVERY[target],
  }
}

// #region container-chaos-test
chaosTest.for(CASES)(
  '%s %s under load: detected, answered as promised, recovered',
  async ([target, operation], { containers, table }) => {
    const { report, fault, answers } = await underLoad(containers, [target, operation], true)
    const numbers = numbersOf(target, report, fault, answers)
    table.push(numbers)
    console.log(report.summary())
    console.log(numbers)
    const outage = outageWindow(report, fault)
    const budget = budgets(target, report)
    expect(outage).toMeetSLO(budget.slo) // no request hangs on the missing dependency
    // API calls need Redis only: a PostgreSQL outage does not touch them, a Redis one falls back.
    expect(outage.tag('api')).toHaveErrorRateBelow(0.01)
    expect(numbers.detectedMs ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(budget.detection)
    expect(numbers.recoveryMs ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(budget.recovery) // callers
    expect(numbers.healthBackMs ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(budget.recovery)
  },
)
// #endregion container-chaos-test

// #region container-chaos-naive
chaosTest(
  'the naive pool waits for a paused PostgreSQL: logins hang through the pause',
  async ({ containers, table }) => {
    const { report, fault, answers } = await underLoad(containers, ['postgres', 'pause'], false)
    const numbers = numbersOf('postgres', report, fault, answers)
    table.push({ ...numbers, fault: `${fault.name} (naive)` })
    console.log(report.summary())
    console.log(numbers) // its health check waits too: detectedMs null
    let message = ''
    try {
      expect(outageWindow(report, fault)).toMeetSLO(budgets('postgres', report).slo)
    } catch (error) {
      message = (error as Error).message
    }
    console.log(message) // what a user of the naive service would see
    expect(message).toMatch(/SLO lines? breached over [\d,]+ calls \(window [\d.]+-[\d.]+ s, seed 13\)/)
    expect(message).toMatch(/✗ p99 [\d,.]+ (ms|s) > [\d,.]+ ms/)
  },
)
// #endregion container-chaos-naive

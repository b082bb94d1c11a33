import { randomBytes } from 'node:crypto'
import { type LoadReport, type LoadTaskContext, load, now, scaled } from '@faultline/core'
import { expect, type PostgresFixture, type RedisFixture, test } from '@faultline/vitest'
import { login } from './client.js'
import { createDatabase } from './db.js'
import type { Limits } from './rate-limiter.js'
import { createRedis } from './redis.js'
import { startAuth } from './server.js'

// Scenario 8, rate limiting under attack: one load run, two kinds of callers behind the same proxy (every
// request reaches the service from 127.0.0.1; the caller's address is in `x-forwarded-for`). 30 % of the
// calls are an attacker trying wrong passwords from one address; 70 % are legitimate users logging in from
// addresses of their own. The audit's burst is scaled to 200 calls, 4 in flight (each times FAULTLINE_LOAD_SCALE) (2 to 6 s on this 2-core
// machine): enough for each tag's floor (100 calls for the legitimate users' ceiling of 0, threshold + 10
// for the attacker's).

const CALLS = scaled(200)
const IN_FLIGHT = scaled(4)
const ATTACKER = '203.0.113.66'
/** The service's limits, with a block short enough to wait for, and longer than the run. */
const LIMITS: Limits = { maxFailures: 10, window: 60_000, block: 5_000 }

async function underAttack(
  postgres: PostgresFixture,
  redis: RedisFixture,
  hardened: boolean,
  afterwards: (url: string, attackEnded: number) => Promise<void> = async () => {},
): Promise<LoadReport> {
  const db = createDatabase(postgres.url, { hardened: true }) // the naive pool is scenario 7's
  const cache = createRedis(redis.url, { hardened })
  try {
    await using auth = await startAuth({
      db,
      redis: cache,
      secret: randomBytes(32),
      hardened,
      limits: LIMITS,
    })
    const user = ({ index }: LoadTaskContext) => (index % 100) + 1
    const report = await load(
      [
        {
          tag: 'attacker',
          weight: 30,
          run: (call) =>
            login(auth.url, user(call), { ip: ATTACKER, password: 'guess', signal: call.signal }),
        },
        {
          tag: 'legit',
          weight: 70,
          run: (call) =>
            login(auth.url, user(call), { ip: `10.0.1.${call.index % 250}`, signal: call.signal }),
        },
      ],
      { concurrency: IN_FLIGHT, count: CALLS, seed: 8, timeout: 10_000, name: 'login attack' },
    )
    await afterwards(auth.url, now())
    return report
  } finally {
    cache.disconnect()
    await db.end()
  }
}

// #region rate-limit-attack-test
test('the attacker is held to the threshold, no legitimate user is blocked, and the block ends', async ({
  postgres,
  redis,
}) => {
  let recoveredAfter = Number.NaN
  const report = await underAttack(postgres, redis, true, async (url, attackEnded) => {
    // The attacked address belongs to someone too: once the block ends, its right password works again.
    // The last block began at the latest when the attack ended: it is over `block` ms later (plus a second
    // for the probe on a loaded machine).
    const fromAttackedAddress = (signal: AbortSignal) => login(url, 1, { ip: ATTACKER, signal })
    await expect(fromAttackedAddress).toRecoverWithin(LIMITS.block + 1_000, {
      since: attackEnded,
      interval: 100,
      onMeasured: (r) => {
        recoveredAfter = r.recoveryMs ?? Number.NaN
      },
    })
  })
  console.log(report.summary())
  console.log(`the attacked address logged in again ${Math.round(recoveredAfter)} ms after the attack ended`)
  expect(report.tag('legit')).toHaveOutcomesAtMost({ 'HTTP 429': 0 }) // no legitimate user blocked
  // The attacker gets `maxFailures` wrong answers, plus at most the other calls in flight when it reached
  // them (they had passed the check already), plus one each time a block ended while the attack went on
  // (its failures count for a minute: the next one blocks it again).
  const blocksEnded = Math.floor(report.durationMs / LIMITS.block)
  expect(report.tag('attacker')).toHaveOutcomesAtMost({
    'HTTP 401': LIMITS.maxFailures + IN_FLIGHT - 1 + blocksEnded,
  })
})
// #endregion rate-limit-attack-test

// #region rate-limit-attack-naive
test('the naive limiter counts per proxy address: toHaveOutcomesAtMost says how many users it blocked', async ({
  postgres,
  redis,
}) => {
  const report = await underAttack(postgres, redis, false)
  console.log(report.summary())
  let message = ''
  try {
    expect(report.tag('legit')).toHaveOutcomesAtMost({ 'HTTP 429': 0 })
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive service would see
  expect(message).toMatch(/HTTP 429 \d+ > 0 over \d+ calls tagged legit/)
  expect(message).toMatch(/seed 8/)
})
// #endregion rate-limit-attack-naive

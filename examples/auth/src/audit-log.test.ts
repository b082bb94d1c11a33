import { randomBytes } from 'node:crypto'
import { History, type LoadTaskContext, load, scaled } from '@faultline/core'
import { createProxy, type MessageMatcher, onPostgres } from '@faultline/proxy'
import { expect, type PostgresFixture, type RedisFixture, test } from '@faultline/vitest'
import { login } from './client.js'
import { createAuditLog, createDatabase, POOL } from './db.js'
import { createRedis } from './redis.js'
import { USERS } from './schema.js'
import { startAuth } from './server.js'

// Scenario 15, concurrent writers to the audit log, with connections cut: 200 logins, 16 at a time (the
// service's pool writes 4 audit rows at once), each writing its audit row before it is answered, while a
// fault proxy between the service and PostgreSQL cuts one audit INSERT in 5: every 10th right after
// PostgreSQL committed it (its answer lost), every 10th (5 later) before PostgreSQL ran it. Each login is
// an operation of a History, acknowledged by its 200; the final read is the audit log's login rows. The
// audit gave no size; FAULTLINE_LOAD_SCALE=5 makes it 1,000 logins, 80 at a time.

const LOGINS = scaled(200)
const WRITERS = scaled(16)
/** One audit INSERT in EVERY loses its answer, and one in EVERY never runs. */
const EVERY = 10

// #region cut-audit-inserts
/**
 * Every `every`-th audit INSERT from the `first`-th (its Execute). A trigger `before` it cuts before
 * PostgreSQL runs it; `after` it, the proxy waits for the Sync that follows (where PostgreSQL commits a
 * statement outside a transaction) and cuts then: the row is committed and its answer lost.
 */
function auditInserts(every: number, first: number): MessageMatcher {
  const insert = onPostgres.query((sql) => sql.startsWith('INSERT INTO audit_log'))
  let seen = 0
  return {
    ...insert,
    description: `postgres 1 audit INSERT in ${every}`,
    matches(message) {
      if (!insert.matches(message)) return false
      seen++
      return seen >= first && (seen - first) % every === 0
    },
  }
}
// #endregion cut-audit-inserts

async function loginsWhileCut(postgres: PostgresFixture, redis: RedisFixture, hardened: boolean) {
  await using proxy = await createProxy({ upstream: postgres, seed: 15 })
  // The database is the hardened pool in both variants (the naive connection per query is scenario 7's):
  // what differs is the audit log's writer.
  const db = createDatabase(proxy.url(postgres.url), { hardened: true })
  const cache = createRedis(redis.url, { hardened })
  try {
    const auditLog = createAuditLog(db, { hardened })
    await using auth = await startAuth({ db, redis: cache, secret: randomBytes(32), hardened, auditLog })
    await using answerLost = proxy.trigger(auditInserts(EVERY, EVERY), { at: 'after', times: Infinity })
    await using neverRan = proxy.trigger(auditInserts(EVERY, EVERY / 2), { times: Infinity })

    // Each login comes from an address of its own: the audit row's user and address name the login.
    const history = new History<string>()
    const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    // A refusal (4xx) is definite; a 5xx or a broken connection may have written the row before it failed.
    const classify = (e: unknown) =>
      ((e as { status?: number }).status ?? 500) < 500 ? 'fail' : 'indeterminate'
    const report = await load(
      ({ index, signal }: LoadTaskContext) => {
        const n = (index % USERS) + 1
        const ip = address(index)
        return history.record(`user-${n}@${ip}`, () => login(auth.url, n, { ip, signal }), { classify })
      },
      { concurrency: WRITERS, count: LOGINS, seed: 15, timeout: 2 * POOL.connectionTimeout, name: 'logins' },
    )
    const { rows } = await postgres.client.query<{ login: string }>(
      "SELECT username || '@' || ip AS login FROM audit_log WHERE event = 'login'",
    )
    const cuts = { answerLost: answerLost.hits.length, neverRan: neverRan.hits.length }
    return { report, history, finalRead: rows.map((r) => r.login), cuts }
  } finally {
    cache.disconnect()
    await db.end()
  }
}

// #region audit-log-test
test('concurrent logins write their audit rows through cut connections: none lost, none twice', async ({
  postgres,
  redis,
}) => {
  const { report, history, finalRead, cuts } = await loginsWhileCut(postgres, redis, true)
  console.log(report.summary())
  console.log(cuts, history.counts())
  expect(cuts.answerLost).toBeGreaterThan(0) // the connections were cut, both ways
  expect(cuts.neverRan).toBeGreaterThan(0)
  expect(history).toHaveNoLostWrites(finalRead) // every acknowledged login has its row
  expect(history).toHaveNoDuplicates(finalRead) // and no login has two
})
// #endregion audit-log-test

// #region audit-log-naive
test('the naive writer retries without an id: toHaveNoDuplicates says which logins it wrote twice', async ({
  postgres,
  redis,
}) => {
  const { history, finalRead } = await loginsWhileCut(postgres, redis, false)
  let message = ''
  try {
    expect(history).toHaveNoDuplicates(finalRead)
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive service would see
  expect(message).toMatch(/\d+ values? read more than once: "user-\d+@10\.\d+\.\d+\.\d+" x\d/)
  expect(message).toMatch(/history: \d+ ok, \d+ fail, \d+ indeterminate.*, 0 pending; final read/)
})
// #endregion audit-log-naive

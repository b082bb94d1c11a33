import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'

/** The hardened pool's settings: what the tests' bounds are computed from. */
export const POOL = {
  /** Connections an instance holds at most: past them, queries wait for one (they queue in the pool). */
  max: 4,
  /** How long a query waits for a connection before it fails. */
  connectionTimeout: 5_000,
} as const

/** What the service needs of PostgreSQL. */
export interface Database {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
  end(): Promise<void>
}

// #region create-database
/**
 * The service's database access.
 *
 * - hardened: a pool of a few connections; a login releases its connection between statements (the
 *   password hash runs without one), and past the pool, queries queue for a connection;
 * - naive (the audit's): a new connection per query, so the server sees as many connections as there are
 *   queries in flight, and a login ramp exhausts its `max_connections`.
 */
export function createDatabase(connectionString: string, { hardened }: { hardened: boolean }): Database {
  if (hardened) {
    const pool = new pg.Pool({
      connectionString,
      max: POOL.max,
      connectionTimeoutMillis: POOL.connectionTimeout,
    })
    pool.on('error', () => {}) // an idle client lost its connection: the pool drops it and opens another
    return pool
  }
  return {
    async query(text, values) {
      const client = new pg.Client({ connectionString })
      await client.connect()
      try {
        return await client.query(text, values)
      } finally {
        await client.end()
      }
    },
    async end() {},
  }
}
// #endregion create-database

/** The audit log writer's settings: what the tests' bounds are computed from. */
export const AUDIT = {
  /** Tries of one audit row before the request that writes it fails. */
  attempts: 3,
  /** Wait before the next try (ms), times the number of the try that failed. */
  backoff: 20,
} as const

/** Writes the audit log: one row per login, refresh and logout. */
export interface AuditLog {
  /** Resolves once PostgreSQL has committed the row; the request is answered after that. */
  write(event: string, username: string, ip: string): Promise<void>
}

// #region audit-log
/**
 * The audit log's writer: a row is written before the request is answered, and tried again (up to
 * `AUDIT.attempts` times) when the connection breaks, so a cut connection costs a retry, not a login.
 *
 * - hardened: each row carries an id made once per event (`event_id`, unique); every try sends the same
 *   id and `ON CONFLICT DO NOTHING` keeps the first, so when the connection broke after PostgreSQL had
 *   committed the row (the answer lost on the way back), the retry writes nothing;
 * - naive (the audit's): the same retries without an id: a retry after a lost answer writes the row twice.
 */
export function createAuditLog(db: Database, { hardened }: { hardened: boolean }): AuditLog {
  const insert = (eventId: string, event: string, username: string, ip: string) =>
    hardened
      ? db.query(
          `INSERT INTO audit_log (event_id, event, username, ip) VALUES ($1, $2, $3, $4)
           ON CONFLICT (event_id) DO NOTHING`,
          [eventId, event, username, ip],
        )
      : db.query('INSERT INTO audit_log (event, username, ip) VALUES ($1, $2, $3)', [event, username, ip])
  return {
    async write(event, username, ip) {
      const eventId = randomUUID() // one id per event, made before the first try
      for (let attempt = 1; ; attempt++) {
        try {
          await insert(eventId, event, username, ip)
          return
        } catch (error) {
          if (attempt === AUDIT.attempts) throw error
          await sleep(AUDIT.backoff * attempt)
        }
      }
    },
  }
}
// #endregion audit-log

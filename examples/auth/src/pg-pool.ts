import pg from 'pg'
import type { Database } from './db.js'

/** The fail-fast pool's settings: what the container chaos test's budgets are computed from. */
export const PG_POOL = {
  /** Connections the pool holds at most. */
  max: 4,
  /** How long a query waits for a connection (in the pool's queue, or from a server that does not answer). */
  connectionTimeout: 1_000,
  /** How long a query waits for its answer before it fails; the pool then drops its connection. */
  queryTimeout: 1_000,
} as const

// #region pg-pool
/**
 * A pool for a PostgreSQL that restarts, crashes or freezes under the service (scenario 13).
 *
 * - hardened: every wait is bounded: for a connection (`connectionTimeoutMillis`) and for an answer
 *   (`query_timeout`; the pool drops a connection whose query timed out), so while PostgreSQL is away a
 *   request fails within their sum (2 s) instead of hanging; an `error` listener lets the pool drop an idle
 *   connection the server closed, and it opens new ones once the server is back;
 * - naive (the audit's): `new pg.Pool()`'s defaults: no timeout, so a query waits as long as PostgreSQL
 *   does (a frozen server holds every request until it thaws), and no `error` listener, so an idle
 *   connection the server closes crashes the process (pg's documented behaviour).
 */
export function createPool(connectionString: string, { hardened }: { hardened: boolean }): Database {
  if (!hardened) return new pg.Pool({ connectionString, max: PG_POOL.max })
  const pool = new pg.Pool({
    connectionString,
    max: PG_POOL.max,
    connectionTimeoutMillis: PG_POOL.connectionTimeout,
    query_timeout: PG_POOL.queryTimeout,
  })
  pool.on('error', () => {}) // an idle connection died with the server: dropped, a new one opens on demand
  return pool
}
// #endregion pg-pool

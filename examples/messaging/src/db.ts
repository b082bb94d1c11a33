import pg from 'pg'

/** The hardened pool's settings: what the tests' bounds are computed from. */
export const POOL = {
  /** Connections the API holds at most: past them, requests wait for one (they queue in the pool). */
  max: 4,
  /** How long a request waits for a connection before it fails. */
  connectionTimeout: 5_000,
  /** How long one query may take, on the server and on the wire: past it the query fails (the API: 503). */
  queryTimeout: 1_000,
} as const

// #region create-pool
/**
 * The API's connection pool.
 *
 * - hardened: a few connections, and requests queue for one, so a burst costs latency, not connections:
 *   the database's `max_connections` is shared by every instance of the service; and each query gives up
 *   after `POOL.queryTimeout`, on the server (`statement_timeout`) and in the client (`query_timeout`,
 *   which also fires when the network holds the answer back);
 * - naive (the audit's): `max: 50`, sized to the traffic, so a burst opens a connection per request in
 *   flight and a few instances exhaust the server; and no timeout, so a slow network holds the request.
 */
export function createPool(connectionString: string, { hardened }: { hardened: boolean }): pg.Pool {
  const pool = hardened
    ? new pg.Pool({
        connectionString,
        max: POOL.max,
        connectionTimeoutMillis: POOL.connectionTimeout,
        statement_timeout: POOL.queryTimeout,
        query_timeout: POOL.queryTimeout,
      })
    : new pg.Pool({ connectionString, max: 50 })
  pool.on('error', () => {}) // an idle client lost its connection: the pool drops it and opens another
  // A checked-out client that loses its connection fails its query; the store then destroys it.
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}
// #endregion create-pool

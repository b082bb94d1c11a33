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

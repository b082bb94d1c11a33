import { Redis } from 'ioredis'

/** The hardened cache client's settings: what the tests' bounds are computed from. */
export const CACHE = {
  /** A command not answered by then fails, and the API reads PostgreSQL instead. */
  commandTimeout: 250,
  /** How long a connection attempt may take. */
  connectTimeout: 1_000,
  /** The longest wait between two reconnection attempts. */
  reconnectDelay: 500,
} as const

// #region connect-cache
/**
 * The API's Redis client, connected.
 *
 * - hardened: a command fails after `CACHE.commandTimeout`, and at once while the connection is down (no
 *   offline queue, no retries), so a slow or lost cache costs a request that long at most: the API then
 *   reads PostgreSQL;
 * - naive (the audit's): ioredis's defaults, no command timeout, and while the connection is down commands
 *   wait in the offline queue through 20 reconnection attempts, about 10 s.
 */
export async function connectCache(url: string, { hardened }: { hardened: boolean }): Promise<Redis> {
  const cache = hardened
    ? new Redis(url, {
        lazyConnect: true,
        commandTimeout: CACHE.commandTimeout,
        connectTimeout: CACHE.connectTimeout,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: (attempt) => Math.min(attempt * 50, CACHE.reconnectDelay),
      })
    : new Redis(url, { lazyConnect: true })
  cache.on('error', () => {}) // it reconnects by itself; each command reports its own failure
  await cache.connect()
  return cache
}
// #endregion connect-cache

import { Redis } from 'ioredis'

/** The hardened client's settings: what the tests' budgets are computed from. */
export const REDIS = {
  /** A command Redis has not answered in this long fails, and the caller falls back. */
  commandTimeout: 250,
  /** Delay between reconnection attempts while Redis is away. */
  reconnectDelay: 100,
  /** At start-up, how long the hardened service waits for Redis before it starts on its fallbacks. */
  startupWait: 1_000,
} as const

// #region create-redis
/**
 * The service's Redis client.
 *
 * - hardened: a command fails at once while Redis is away (no offline queue, no retries) or after
 *   `commandTimeout`, so the caller can fall back; it reconnects every `reconnectDelay` ms;
 * - naive (the audit's): ioredis's defaults, under which a command waits in the offline queue through
 *   up to 20 reconnection attempts (about 10 s) while Redis is away: every request using it hangs.
 */
export function createRedis(url: string, { hardened }: { hardened: boolean }): Redis {
  const redis = hardened
    ? new Redis(url, {
        commandTimeout: REDIS.commandTimeout,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => REDIS.reconnectDelay,
      })
    : new Redis(url)
  redis.on('error', () => {}) // reconnection is ioredis's job; each command's error reaches its caller
  return redis
}
// #endregion create-redis

import type { Redis } from 'ioredis'

/** The limiter's settings. */
export const LIMITS = {
  /** Failed logins from one IP within `window` that get it blocked. */
  maxFailures: 10,
  window: 60_000,
  /** How long a blocked IP stays blocked. */
  block: 300_000,
} as const

/**
 * Failed logins per IP, counted in Redis so that every instance sees them; an IP over the limit is blocked
 * for `LIMITS.block` ms, on every instance.
 *
 * - hardened: while Redis is away, this instance counts and blocks in its own memory (an attacker gets at
 *   most `maxFailures` per instance, not unlimited tries);
 * - naive (the audit's): a Redis error reaches the caller, so a Redis outage is a login outage.
 */
export class RateLimiter {
  readonly #redis: Redis
  readonly #hardened: boolean
  /** The fallback: ip -> failures in the current window, and blocked ips, each with its end (epoch ms). */
  readonly #failures = new Map<string, { count: number; until: number }>()
  readonly #blocked = new Map<string, number>()

  constructor(redis: Redis, { hardened }: { hardened: boolean }) {
    this.#redis = redis
    this.#hardened = hardened
  }

  /** Whether the IP is blocked now. */
  async isBlocked(ip: string): Promise<boolean> {
    if ((this.#blocked.get(ip) ?? 0) > Date.now()) return true
    try {
      return (await this.#redis.exists(`blocked:${ip}`)) === 1
    } catch (error) {
      if (!this.#hardened) throw error
      return false
    }
  }

  /** Counts a failed login from the IP; blocks it at the limit. */
  async recordFailure(ip: string): Promise<void> {
    try {
      const [[, count]] = (await this.#redis
        .multi()
        .incr(`failures:${ip}`)
        .pexpire(`failures:${ip}`, LIMITS.window, 'NX')
        .exec()) as [[Error | null, number]]
      if (count >= LIMITS.maxFailures) await this.#redis.set(`blocked:${ip}`, '1', 'PX', LIMITS.block)
    } catch (error) {
      if (!this.#hardened) throw error
      this.#countInMemory(ip)
    }
  }

  #countInMemory(ip: string): void {
    const now = Date.now()
    const current = this.#failures.get(ip)
    const entry = current && current.until > now ? current : { count: 0, until: now + LIMITS.window }
    entry.count++
    this.#failures.set(ip, entry)
    if (entry.count >= LIMITS.maxFailures) this.#blocked.set(ip, now + LIMITS.block)
  }
}

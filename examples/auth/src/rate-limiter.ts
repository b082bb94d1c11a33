import type { Redis } from 'ioredis'

/** The limiter's settings. */
export const LIMITS = {
  /** Failed logins from one IP within `window` that get it blocked. */
  maxFailures: 10,
  window: 60_000,
  /** How long a blocked IP stays blocked. */
  block: 300_000,
}

/** The limiter's settings, for a service that overrides `LIMITS` (a test that waits for a block to end). */
export interface Limits {
  readonly maxFailures: number
  readonly window: number
  readonly block: number
}

/**
 * Failed logins per IP, counted in Redis so that every instance sees them; an IP over the limit is blocked
 * for `LIMITS.block` ms, on every instance.
 *
 * - hardened: while Redis is away, this instance counts and blocks in its own memory (an attacker gets at
 *   most `maxFailures` per instance, not unlimited tries); failures count per caller (`x-forwarded-for`);
 * - naive (the audit's): a Redis error reaches the caller, so a Redis outage is a login outage; and
 *   failures count per connection address, which behind a proxy is the proxy's: one attacker blocks every
 *   user behind it.
 */
export class RateLimiter {
  readonly #redis: Redis
  readonly #hardened: boolean
  readonly #limits: Limits
  /** The fallback: ip -> failures in the current window, and blocked ips, each with its end (epoch ms). */
  readonly #failures = new Map<string, { count: number; until: number }>()
  readonly #blocked = new Map<string, number>()

  constructor(redis: Redis, { hardened, limits = LIMITS }: { hardened: boolean; limits?: Limits }) {
    this.#redis = redis
    this.#hardened = hardened
    this.#limits = limits
  }

  get limits(): Limits {
    return this.#limits
  }

  /** Whose failures count together: the caller (the proxy's `x-forwarded-for`) or the connection's address. */
  keyOf(caller: string, connection: string): string {
    return this.#hardened ? caller : connection
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
        .pexpire(`failures:${ip}`, this.#limits.window, 'NX')
        .exec()) as [[Error | null, number]]
      if (count >= this.#limits.maxFailures)
        await this.#redis.set(`blocked:${ip}`, '1', 'PX', this.#limits.block)
    } catch (error) {
      if (!this.#hardened) throw error
      this.#countInMemory(ip)
    }
  }

  #countInMemory(ip: string): void {
    const now = Date.now()
    const current = this.#failures.get(ip)
    const entry = current && current.until > now ? current : { count: 0, until: now + this.#limits.window }
    entry.count++
    this.#failures.set(ip, entry)
    if (entry.count >= this.#limits.maxFailures) this.#blocked.set(ip, now + this.#limits.block)
  }
}

import type { Redis } from 'ioredis'

// #region blacklist
const key = (jti: string) => `revoked:${jti}`

/**
 * Revoked tokens (by their `jti`), kept until the token would have expired anyway.
 *
 * - hardened: a revocation is acknowledged once Redis has it, where every instance sees it; it is also
 *   kept in this instance's memory, which answers while Redis is away. A revocation made while Redis is
 *   away is kept in memory (this instance enforces it at once) and written to Redis when it is back.
 * - naive (the audit's): a revocation is written in the background (the caller is told it is done before
 *   Redis has it), and a Redis error reaches the caller: no fallback.
 */
export class TokenBlacklist {
  /** jti -> epoch ms when the token expires; bounded by the tokens' lifetime. */
  readonly #memory = new Map<string, number>()
  /** Revocations Redis has not taken yet: written when it is back. */
  readonly #pending = new Map<string, number>()
  readonly #redis: Redis
  readonly #hardened: boolean

  constructor(redis: Redis, { hardened }: { hardened: boolean }) {
    this.#redis = redis
    this.#hardened = hardened
    if (hardened) redis.on('ready', () => void this.flush())
  }

  /** Revokes a token until `expiresAt` (epoch ms). */
  async revoke(jti: string, expiresAt: number): Promise<void> {
    const ttl = Math.max(1, expiresAt - Date.now())
    if (!this.#hardened) {
      this.#redis.set(key(jti), '1', 'PX', ttl).catch(() => {}) // and answer at once
      return
    }
    this.#remember(jti, expiresAt)
    try {
      await this.#redis.set(key(jti), '1', 'PX', ttl)
    } catch {
      this.#pending.set(jti, expiresAt) // the fallback: enforced here now, in Redis once it is back
    }
  }

  /** Whether the token was revoked. */
  async isRevoked(jti: string): Promise<boolean> {
    if (!this.#hardened) return (await this.#redis.exists(key(jti))) === 1
    const expiresAt = this.#memory.get(jti)
    if (expiresAt !== undefined && expiresAt > Date.now()) return true
    try {
      return (await this.#redis.exists(key(jti))) === 1
    } catch {
      return false // Redis away: what this instance revoked (above) is what it can enforce
    }
  }

  /** Revocations waiting for Redis to come back. */
  get pending(): number {
    return this.#pending.size
  }

  /** Writes the revocations made while Redis was away; called when the client is ready again. */
  async flush(): Promise<void> {
    for (const [jti, expiresAt] of this.#pending) {
      try {
        await this.#redis.set(key(jti), '1', 'PX', Math.max(1, expiresAt - Date.now()))
        this.#pending.delete(jti)
      } catch {
        return // away again: the next 'ready' tries again
      }
    }
  }

  #remember(jti: string, expiresAt: number): void {
    this.#memory.set(jti, expiresAt)
    if (this.#memory.size % 1_000 === 0) {
      const now = Date.now()
      for (const [id, until] of this.#memory) if (until <= now) this.#memory.delete(id)
    }
  }
}
// #endregion blacklist

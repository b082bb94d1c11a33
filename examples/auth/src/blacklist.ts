import type { Redis } from 'ioredis'

// #region blacklist
const key = (jti: string) => `revoked:${jti}`
/** What a revocation's entry in Redis holds: for the people reading it. */
const entry = (expiresAt: number) => JSON.stringify({ revoked: true, until: expiresAt })

/**
 * Revoked tokens (by their `jti`), kept until the token would have expired anyway.
 *
 * - hardened: a revocation is acknowledged once Redis has it, where every instance sees it; it is also
 *   kept in this instance's memory, which answers while Redis is away. A revocation made while Redis is
 *   away is kept in memory (this instance enforces it at once) and written to Redis when it is back; so is
 *   every revocation in memory, since a Redis that crashed may be back without its data. An entry is a
 *   revocation whatever it holds: one that cannot be read still refuses the token (fail-secure).
 * - naive (the audit's): a revocation is written in the background (the caller is told it is done before
 *   Redis has it), a Redis error reaches the caller (no fallback), and an entry is read and parsed: one
 *   that does not parse lets the token in.
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
    if (hardened) redis.on('ready', () => void this.#resync())
  }

  /** Revokes a token until `expiresAt` (epoch ms). */
  async revoke(jti: string, expiresAt: number): Promise<void> {
    const ttl = Math.max(1, expiresAt - Date.now())
    if (!this.#hardened) {
      this.#redis.set(key(jti), entry(expiresAt), 'PX', ttl).catch(() => {}) // and answer at once
      return
    }
    this.#remember(jti, expiresAt)
    try {
      await this.#redis.set(key(jti), entry(expiresAt), 'PX', ttl)
    } catch {
      this.#pending.set(jti, expiresAt) // the fallback: enforced here now, in Redis once it is back
    }
  }

  /** Whether the token was revoked. */
  async isRevoked(jti: string): Promise<boolean> {
    if (!this.#hardened) {
      const value = await this.#redis.get(key(jti))
      try {
        return value !== null && (JSON.parse(value) as { revoked?: unknown }).revoked === true
      } catch {
        return false // unreadable: let the user in rather than lock them out
      }
    }
    const expiresAt = this.#memory.get(jti)
    if (expiresAt !== undefined && expiresAt > Date.now()) return true
    try {
      return (await this.#redis.exists(key(jti))) === 1 // an entry, readable or not: revoked
    } catch {
      return false // Redis away: what this instance revoked (above) is what it can enforce
    }
  }

  /** Revocations waiting to be written to Redis. */
  get pending(): number {
    return this.#pending.size
  }

  /** Writes the revocations Redis does not have yet; called when the client is ready again. */
  async flush(): Promise<void> {
    const entries = [...this.#pending]
    if (entries.length === 0) return
    const writes = this.#redis.pipeline()
    for (const [jti, expiresAt] of entries)
      writes.set(key(jti), entry(expiresAt), 'PX', Math.max(1, expiresAt - Date.now()))
    const results = await writes.exec().catch(() => null) // away again: the next 'ready' tries again
    entries.forEach(([jti], i) => {
      if (results?.[i]?.[0] === null) this.#pending.delete(jti)
    })
  }

  /** Redis is (back) up, possibly without its data (a crash): every revocation in memory is written again. */
  #resync(): Promise<void> {
    const now = Date.now()
    for (const [jti, expiresAt] of this.#memory) if (expiresAt > now) this.#pending.set(jti, expiresAt)
    return this.flush()
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

// Faults on the data in Redis rather than on the server: the keys matching a pattern are overwritten with
// garbage or deleted, as a corrupted cache entry or an evicted blacklist would leave them. Heal puts back
// what the fault took, key by key, unless the application has written the key since (its write wins).
import {
  AppliedFault,
  checkNumber,
  describeValue,
  FaultlineArgumentError,
  FaultlineError,
  now,
  type TimelineOptions,
} from '@faultline/core'
import { Redis } from 'ioredis'

/** What the data fault does to each matching key. */
export type RedisDataFaultKind = 'corrupted' | 'deleted'

/** Options of `corruptRedisKeys` and `deleteRedisKeys`. */
export interface RedisDataFaultOptions extends TimelineOptions {
  /** Which keys, as a `SCAN MATCH` glob, e.g. `blacklist:*`. */
  readonly match: string
  /** The most keys it may touch (default 10,000): more is an error, not a slow scan of a huge key space. */
  readonly limit?: number
  /** How the fault reads on the timeline (default `keys corrupted <match>` / `keys deleted <match>`). */
  readonly name?: string
}

/** Options of `corruptRedisKeys`. */
export interface CorruptRedisKeysOptions extends RedisDataFaultOptions {
  /**
   * What each key holds instead, as a string: a value, or a function of the key (default
   * `faultline:corrupted{`: not JSON, not a number, not a token). A key of another type (a hash, a set)
   * becomes a string, so commands of its type fail with `WRONGTYPE`, as after a bad write.
   */
  readonly value?: string | ((key: string) => string)
}

/** The default garbage a corrupted key holds: parses as nothing a cache usually stores. */
export const CORRUPTED_VALUE = 'faultline:corrupted{'

interface Taken {
  readonly key: string
  readonly dump: Buffer
  /** Epoch ms when the key would have expired (core's `now()`), or undefined: no TTL. */
  readonly expiresAt: number | undefined
  /** What the fault wrote (corrupted), to tell it from a write of the application. */
  readonly written: string | undefined
}

// Put back atomically, and only if the key still holds what the fault left: KEYS[1], ARGV: ttl, dump, and
// the fault's kind and, for a corrupted key, the garbage written (a key deleted must still be absent).
const RESTORE_SCRIPT = `
if ARGV[3] == 'deleted' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
else
  local current = redis.pcall('GET', KEYS[1])
  if type(current) ~= 'string' or current ~= ARGV[4] then return 0 end
end
redis.call('RESTORE', KEYS[1], ARGV[1], ARGV[2], 'REPLACE')
return 1`

/**
 * A data fault on Redis: the matching keys corrupted or deleted. `keys` lists them; `heal()` restores each
 * one's original value and remaining TTL (`DUMP` / `RESTORE`, any type) unless the application wrote the
 * key since the fault (its write wins: heal undoes the fault, not the application) or its TTL ran out
 * meanwhile (it stays gone, as it would have). `restored` counts what heal put back.
 */
export class RedisDataFault extends AppliedFault {
  readonly kind: RedisDataFaultKind
  /** The keys the fault touched, in scan order. */
  readonly keys: readonly string[]
  readonly #taken: readonly Taken[]
  readonly #client: Redis
  readonly #owned: boolean
  #restored = 0

  /** @internal Made by `corruptRedisKeys` / `deleteRedisKeys`. */
  constructor(
    kind: RedisDataFaultKind,
    taken: readonly Taken[],
    client: Redis,
    owned: boolean,
    options: RedisDataFaultOptions & { readonly at: number },
  ) {
    super(options.name ?? `keys ${kind} ${options.match}`, {
      timeline: options.timeline,
      target: 'redis',
      at: options.at,
      details: { match: options.match, keys: taken.length },
    })
    this.kind = kind
    this.keys = taken.map((t) => t.key)
    this.#taken = taken
    this.#client = client
    this.#owned = owned
  }

  /** How many keys heal put back (0 before the heal). */
  get restored(): number {
    return this.#restored
  }

  protected async undo(): Promise<void> {
    try {
      for (const t of this.#taken) {
        let ttl = 0
        if (t.expiresAt !== undefined) {
          ttl = Math.ceil(t.expiresAt - now())
          if (ttl <= 0) continue // it would have expired by now
        }
        const done = await this.#client.eval(
          RESTORE_SCRIPT,
          1,
          t.key,
          ttl,
          t.dump,
          this.kind,
          t.written ?? '',
        )
        if (done === 1) this.#restored++
      }
    } finally {
      if (this.#owned) this.#client.disconnect()
    }
  }
}

/**
 * Overwrites every key matching `match` with garbage (a string; `value` chooses it), keeping its TTL, as a
 * fault on the timeline; heal restores the originals (see {@link RedisDataFault}). `target` is a Redis
 * URL (its database is the one touched) or an ioredis client (left open).
 *
 * @example
 * await using corrupted = await corruptRedisKeys(redis.url, { match: 'blacklist:*', timeline })
 * // the blacklist entries now read 'faultline:corrupted{': does verify() fail secure?
 */
export function corruptRedisKeys(
  target: string | Redis,
  options: CorruptRedisKeysOptions,
): Promise<RedisDataFault> {
  const value = options?.value ?? CORRUPTED_VALUE
  if (typeof value !== 'string' && typeof value !== 'function') {
    throw new FaultlineArgumentError(
      'options.value',
      `expected a string or a function of the key, got ${describeValue(value)}`,
      corruptRedisKeys,
    )
  }
  return applyDataFault('corrupted', target, options, corruptRedisKeys, (key) =>
    typeof value === 'string' ? value : String(value(key)),
  )
}

/**
 * Deletes every key matching `match`, as a fault on the timeline (an eviction, a flush, a lost shard);
 * heal restores each one with its remaining TTL unless the application has written it again since.
 *
 * @example
 * await using evicted = await deleteRedisKeys(redis.url, { match: 'session:*', timeline })
 */
export function deleteRedisKeys(
  target: string | Redis,
  options: RedisDataFaultOptions,
): Promise<RedisDataFault> {
  return applyDataFault('deleted', target, options, deleteRedisKeys, undefined)
}

async function applyDataFault(
  kind: RedisDataFaultKind,
  target: string | Redis,
  options: RedisDataFaultOptions,
  callee: (...args: never[]) => unknown,
  garbage: ((key: string) => string) | undefined,
): Promise<RedisDataFault> {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.match !== 'string' ||
    options.match === ''
  ) {
    throw new FaultlineArgumentError(
      'options.match',
      `expected a SCAN MATCH pattern such as 'blacklist:*', got ${describeValue(options?.match)}`,
      callee,
    )
  }
  const limit = checkNumber(options.limit ?? 10_000, 'options.limit', { integer: true, min: 1 }, callee)
  const owned = typeof target === 'string'
  if (!owned && !(target instanceof Redis)) {
    throw new FaultlineArgumentError(
      'target',
      `expected a Redis URL or an ioredis client, got ${describeValue(target)}`,
      callee,
    )
  }
  const client = owned ? new Redis(target, { lazyConnect: true, maxRetriesPerRequest: 1 }) : target
  if (owned) {
    client.on('error', () => {})
    await client.connect()
  }
  try {
    const keys = await scanKeys(client, options.match, limit)
    if (keys.length === 0) {
      throw new FaultlineError(
        'NO_MATCHING_KEYS',
        `no key matches '${options.match}' in this database: a data fault on nothing would test nothing. Write the data first, or check the pattern and the database in the URL.`,
      )
    }
    const at = now()
    const taken: Taken[] = []
    for (const key of keys) {
      const [dump, pttl] = await Promise.all([client.dumpBuffer(key), client.pttl(key)])
      if (dump === null) continue // expired or deleted between the scan and now
      const expiresAt = pttl > 0 ? now() + pttl : undefined
      const written = garbage?.(key)
      if (written === undefined) await client.del(key)
      else if (pttl > 0) await client.set(key, written, 'PX', pttl)
      else await client.set(key, written)
      taken.push({ key, dump, expiresAt, written })
    }
    return new RedisDataFault(kind, taken, client, owned, { ...options, at })
  } catch (error) {
    if (owned) client.disconnect()
    throw error
  }
}

async function scanKeys(client: Redis, match: string, limit: number): Promise<string[]> {
  const keys = new Set<string>()
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', match, 'COUNT', 500)
    for (const key of batch) keys.add(key)
    if (keys.size > limit) {
      throw new FaultlineArgumentError(
        'options.limit',
        `more than ${limit} keys match '${match}'; narrow the pattern or raise the limit`,
      )
    }
    cursor = next
  } while (cursor !== '0')
  return [...keys]
}

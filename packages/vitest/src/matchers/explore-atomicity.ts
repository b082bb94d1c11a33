// The ready atomicity property of an exploration: after each run, every write the recording run made is
// all there or all absent — never partial — and an operation that resolved left all of it. PostgreSQL
// tables are compared write by write; Redis keys value by value.
import { describeValue, FaultlineArgumentError, formatCount } from '@faultline/core'
import type { ExploreCheck, ExploreState, JudgedRun } from '@faultline/proxy'
import { Redis } from 'ioredis'
import pg from 'pg'
import {
  type ColumnChoice,
  classifyWrites,
  describeTables,
  outcomeOf,
  readTables,
  referenceWrites,
  type TableRows,
  type TableShape,
  type Write,
} from './atomicity-outcome.js'

/** What {@link atomicity} compares. */
export interface ExploreAtomicityOptions extends ColumnChoice {
  /**
   * PostgreSQL: the tables the operation writes. Rows are matched by primary key; columns the database
   * fills itself (`now()`, serials, uuids, identities) are left out unless named in `columns`.
   */
  tables?: readonly string[]
  /** Redis: the keys the operation writes (strings, lists, hashes, sets, sorted sets). */
  keys?: readonly string[]
}

/**
 * PostgreSQL atomicity, as an exploration check: each write of the recording run (a row inserted or
 * deleted, a column updated) must be all present or all missing after a faulted run; an operation that
 * resolved must have left all of it (an acknowledged write is never lost). The indeterminate in-flight
 * COMMIT may leave all or nothing.
 *
 * @example
 * await expect(placeOrder).toSurviveEveryFault({
 *   service: services.postgres(),
 *   check: atomicity({ tables: ['orders', 'order_items'] }),
 * })
 */
export function atomicity(options: ExploreAtomicityOptions): ExploreCheck<ExploreState> {
  if (options?.keys !== undefined && options.tables === undefined)
    return keyAtomicity(names(options.keys, 'options.keys'))
  const tables = names(options?.tables, 'options.tables')
  let shapes: TableShape[] | undefined
  return {
    name: 'atomicity',
    async read(state) {
      const client = new pg.Client({ connectionString: state.url })
      client.on('error', () => {})
      await client.connect()
      try {
        shapes ??= await describeTables(client, tables, options)
        return await readTables(client, shapes)
      } finally {
        await client.end().catch(() => {})
      }
    },
    judge(run) {
      return judgeAtomicity(run, shapes ?? [])
    },
  }
}

function judgeAtomicity(run: JudgedRun, shapes: readonly TableShape[]): string | undefined {
  const before = run.before as TableRows
  const after = run.after as TableRows
  if (run.clean === undefined) {
    return referenceWrites(shapes, before, after) === 0
      ? `the operation changed nothing in the compared columns of ${shapes.map((s) => s.name).join(', ')}: there is no outcome to judge`
      : undefined
  }
  const writes = classifyWrites(shapes, run.clean.before as TableRows, run.clean.after as TableRows, after)
  const outcome = outcomeOf(writes)
  if (outcome === 'partial' || outcome === 'neither') return `${outcome} (${describeWrites(writes)})`
  if (!run.rejected && outcome === 'nothing') {
    return `nothing, although the operation resolved: an acknowledged write lost (${describeWrites(writes)})`
  }
  return undefined
}

function describeWrites(writes: readonly Write[]): string {
  const of = (status: Write['status']) => writes.filter((w) => w.status === status)
  const present = of('present')
  const missing = of('missing')
  const neither = of('neither')
  const parts = [
    `${formatCount(present.length)} of ${formatCount(writes.length)} writes present, ${formatCount(missing.length)} missing`,
  ]
  if (neither.length > 0) parts.push(`${formatCount(neither.length)} neither`)
  const first = (label: string, list: readonly Write[]) =>
    list[0] === undefined ? [] : [`${label} ${list[0].text}`]
  return [
    parts.join(', '),
    ...first('present:', present),
    ...first('missing:', missing),
    ...first('neither:', neither),
  ].join('; ')
}

function names(value: unknown, argument: string): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((t) => typeof t !== 'string' || t === '')) {
    throw new FaultlineArgumentError(
      argument,
      `expected the tables (PostgreSQL, options.tables: ['orders', 'order_items']) or the keys (Redis, options.keys: ['stock', 'orders']) the operation writes, got ${describeValue(value)}`,
      atomicity,
    )
  }
  return value
}

// Redis: each key's value, read by its type; a missing key reads as null.
async function readKeys(url: string, keys: readonly string[]): Promise<Record<string, unknown>> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => {})
  await client.connect()
  try {
    const values: Record<string, unknown> = {}
    for (const key of keys) {
      const type = await client.type(key)
      values[key] =
        type === 'none'
          ? null
          : type === 'string'
            ? await client.get(key)
            : type === 'list'
              ? await client.lrange(key, 0, -1)
              : type === 'hash'
                ? await client.hgetall(key)
                : type === 'set'
                  ? (await client.smembers(key)).sort()
                  : type === 'zset'
                    ? await client.zrange(key, '0', '-1', 'WITHSCORES')
                    : `(${type})`
    }
    return values
  } finally {
    client.disconnect()
  }
}

function keyAtomicity(keys: readonly string[]): ExploreCheck<ExploreState> {
  const json = (value: unknown) => JSON.stringify(value)
  return {
    name: 'atomicity',
    read: (state) => readKeys(state.url, keys),
    judge(run) {
      const after = run.after as Record<string, unknown>
      if (run.clean === undefined) {
        return json(run.before) === json(after)
          ? `the operation changed none of the keys ${keys.join(', ')}: there is no outcome to judge`
          : undefined
      }
      const nothing = run.clean.before as Record<string, unknown>
      const all = run.clean.after as Record<string, unknown>
      // Only the keys the recording run changed are writes; the others must stay as they were.
      const written = keys.filter((k) => json(nothing[k]) !== json(all[k]))
      const kept = written.filter((k) => json(after[k]) === json(nothing[k]))
      const done = written.filter((k) => json(after[k]) === json(all[k]))
      const other = keys.filter(
        (k) => !kept.includes(k) && !done.includes(k) && json(after[k]) !== json(nothing[k]),
      )
      const show = (k: string) => `${k} = ${json(after[k])}`
      if (other.length > 0)
        return `neither (${other.map(show).join(', ')}: a value neither the recording run nor the fresh state had)`
      if (kept.length > 0 && done.length > 0) {
        return `partial (${done.length} of ${written.length} keys written: ${done.map(show).join(', ')}; not written: ${kept.map(show).join(', ')})`
      }
      if (!run.rejected && done.length === 0)
        return `nothing, although the operation resolved: an acknowledged write lost (${kept.map(show).join(', ')})`
      return undefined
    },
  }
}

// The ready "no duplicates" property of an exploration (PostgreSQL): after each run, no two rows of the
// table share the key that identifies one write (a payment's reference, an idempotency key). A retry of a
// write whose answer was lost — the server committed it, the client never heard — is where duplicates come
// from: exploration puts a fault at every message, so it finds the one retry that writes twice.
import { describeValue, FaultlineArgumentError, formatCount } from '@faultline/core'
import type { ExploreCheck, ExploreState } from '@faultline/proxy'
import pg from 'pg'

/** What {@link noDuplicates} compares. */
export interface NoDuplicatesOptions {
  /** The table the operation writes, e.g. `payments`. */
  table: string
  /** The columns that identify one write, e.g. `['reference']`: two rows with the same values are a duplicate. */
  key: readonly string[]
}

/** One key written more than once, and how many times. */
interface Duplicate {
  readonly key: string
  readonly times: number
}

function names(value: unknown, argument: string, example: string): void {
  const ok = typeof value === 'string' ? value !== '' : Array.isArray(value) && value.length > 0
  const each = Array.isArray(value) ? value : [value]
  if (!ok || each.some((v) => typeof v !== 'string' || v === '')) {
    throw new FaultlineArgumentError(
      argument,
      `expected ${example}, got ${describeValue(value)}`,
      noDuplicates,
    )
  }
}

async function readDuplicates(url: string, table: string, key: readonly string[]): Promise<Duplicate[]> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  try {
    const columns = key.map((c) => client.escapeIdentifier(c))
    const { rows } = await client.query<Record<string, unknown> & { times: string }>(
      `SELECT ${columns.join(', ')}, count(*) AS times FROM ${client.escapeIdentifier(table)} ` +
        `GROUP BY ${columns.join(', ')} HAVING count(*) > 1 ORDER BY ${columns.join(', ')}`,
    )
    return rows.map((row) => ({
      key: key.map((c) => `${c}=${String(row[c])}`).join(' '),
      times: Number(row.times),
    }))
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * PostgreSQL: no write twice, as an exploration check. After each run, no two rows of `table` share the
 * values of `key`. A retry that writes again after a lost answer (the `inFlight` points) fails it; a write
 * made idempotent (a unique key and `ON CONFLICT DO NOTHING`, or an idempotency key checked in the same
 * transaction) holds at every point.
 *
 * @example
 * await expect(payWithRetry).toSurviveEveryFault({
 *   service: services.postgres(),
 *   check: noDuplicates({ table: 'payments', key: ['reference'] }),
 * })
 */
export function noDuplicates(options: NoDuplicatesOptions): ExploreCheck<ExploreState> {
  names(options?.table, 'options.table', "the table the operation writes, e.g. 'payments'")
  names(options.key, 'options.key', "the columns that identify one write, e.g. ['reference']")
  const { table, key } = options
  return {
    name: 'no duplicates',
    read: (state) => readDuplicates(state.url, table, key),
    judge(run) {
      const after = run.after as Duplicate[]
      if (after.length === 0) return undefined
      const shown = after
        .slice(0, 5)
        .map((d) => `${d.key} ×${d.times}`)
        .join(', ')
      const more = after.length > 5 ? `, and ${formatCount(after.length - 5)} more` : ''
      return `${formatCount(after.length)} ${after.length === 1 ? 'key' : 'keys'} of ${table} written more than once: ${shown}${more}`
    },
  }
}

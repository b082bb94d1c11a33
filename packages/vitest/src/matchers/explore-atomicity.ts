// The ready PostgreSQL property of an exploration: after each run, every write the recording run made is
// all there or all absent — never partial — and an operation that resolved left all of it.
import { describeValue, FaultlineArgumentError, formatCount } from '@faultline/core'
import type { ExploreCheck, ExploreState, JudgedRun } from '@faultline/proxy'
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
   * The tables the operation writes. Rows are matched by primary key; columns the database fills itself
   * (`now()`, serials, uuids, identities) are left out unless named in `columns`.
   */
  tables: readonly string[]
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
  const tables = options?.tables
  if (
    !Array.isArray(tables) ||
    tables.length === 0 ||
    tables.some((t) => typeof t !== 'string' || t === '')
  ) {
    throw new FaultlineArgumentError(
      'options.tables',
      `expected the names of the tables the operation writes, e.g. ['orders', 'order_items'], got ${describeValue(tables)}`,
      atomicity,
    )
  }
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

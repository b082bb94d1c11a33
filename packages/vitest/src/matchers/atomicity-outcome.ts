// What a transactional function left in its tables, classified write by write against a reference run:
// each write the reference run made (a row inserted or deleted, a column of a row updated) is present,
// missing or neither (a value no run wrote). Only what the function writes is compared: columns the
// database fills itself (volatile defaults such as now(), gen_random_uuid(), nextval(); identities) are
// left out unless the user names them, and rows are matched by primary key when the key is the
// function's own, as a multiset of the compared columns otherwise.
import { FaultlineArgumentError } from '@faultline/core'
import pg from 'pg'

/** A table as the verdict sees it. */
export interface TableShape {
  /** The name as given in `tables`. */
  readonly name: string
  /** The columns whose values are compared, in table order. */
  readonly compared: readonly string[]
  /** The columns that identify a row (the primary key); empty: rows are compared as a multiset. */
  readonly key: readonly string[]
  /** Columns left out because the database fills them, with their default (`now()`, `identity`…). */
  readonly filled: readonly { readonly column: string; readonly fill: string }[]
}

/** Which columns to compare, as the user wrote them: `'table.column'`, or `'column'` in every table. */
export interface ColumnChoice {
  readonly columns?: readonly string[]
  readonly ignoreColumns?: readonly string[]
}

type Row = Readonly<Record<string, string | null>>
/** The rows of every table, each value as PostgreSQL's text. */
export type TableRows = Readonly<Record<string, readonly Row[]>>

/** One write of the reference run, as found after the cut. */
export interface Write {
  readonly status: 'present' | 'missing' | 'neither'
  /** `table.column` names this write sets (or `table (rows)` for a row of a keyless table). */
  readonly columns: readonly string[]
  /** e.g. `accounts id=2: balance 50 -> 80 (found 50)`. */
  readonly text: string
}

/** `all`, `nothing`, `partial` (some writes present, some missing) or `neither` (values no run wrote). */
export type Outcome = 'all' | 'nothing' | 'partial' | 'neither'

interface ColumnInfo {
  name: string
  fill: string | undefined
  key: boolean
}

// Defaults that are SQL value functions, not calls: they leave no function name to look up.
const VALUE_FUNCTIONS = /\b(current_timestamp|current_date|current_time|localtimestamp|localtime)\b/i
const CALL = /([A-Za-z_][A-Za-z0-9_$]*)\s*\(/g

const short = (text: string) => (text.length > 48 ? `${text.slice(0, 47)}…` : text)

/** Splits `'table.column'` / `'column'` and keeps those that apply to `table`. */
function applying(names: readonly string[] | undefined, table: string, columns: readonly string[]): string[] {
  const out: string[] = []
  for (const entry of names ?? []) {
    const dot = entry.lastIndexOf('.')
    const [t, c] = dot === -1 ? [undefined, entry] : [entry.slice(0, dot), entry.slice(dot + 1)]
    if ((t === undefined || t === table) && columns.includes(c)) out.push(c)
  }
  return out
}

async function columnsOf(client: pg.Client, table: string): Promise<ColumnInfo[]> {
  const { rows } = await client.query<{
    name: string
    default: string | null
    identity: string
    key: boolean
  }>(
    `SELECT a.attname AS name, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity,
            COALESCE(a.attnum = ANY (i.indkey), false) AS key
       FROM pg_attribute a
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.attgenerated = ''
       LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [pg.escapeIdentifier(table)],
  )
  if (rows.length === 0) {
    throw new FaultlineArgumentError('options.tables', `no table "${table}" in the database`)
  }
  // A default is filled by the database when it calls a function that is not immutable (now(),
  // gen_random_uuid(), nextval(), clock_timestamp(), random()…) or is a value function (CURRENT_TIMESTAMP).
  const called = [...new Set(rows.flatMap((r) => [...(r.default ?? '').matchAll(CALL)].map((m) => m[1]!)))]
  const volatile = new Set(
    called.length === 0
      ? []
      : (
          await client.query<{ proname: string }>(
            "SELECT DISTINCT proname FROM pg_proc WHERE proname = ANY ($1) AND provolatile <> 'i'",
            [called],
          )
        ).rows.map((r) => r.proname),
  )
  return rows.map((r) => {
    const calls = [...(r.default ?? '').matchAll(CALL)].map((m) => m[1]!)
    const filledByDefault =
      r.default !== null && (VALUE_FUNCTIONS.test(r.default) || calls.some((c) => volatile.has(c)))
    const fill = r.identity !== '' ? 'identity' : filledByDefault ? short(r.default!) : undefined
    return { name: r.name, fill, key: r.key }
  })
}

/**
 * Reads the tables' columns and decides what is compared and how rows are matched. Throws an argument
 * error for a table or a named column that does not exist.
 */
export async function describeTables(
  client: pg.Client,
  tables: readonly string[],
  choice: ColumnChoice,
): Promise<TableShape[]> {
  const shapes: TableShape[] = []
  const columnsByTable = new Map<string, string[]>()
  for (const table of tables) {
    const info = await columnsOf(client, table)
    const all = info.map((c) => c.name)
    columnsByTable.set(table, all)
    const named = applying(choice.columns, table, all)
    const ignored = applying(choice.ignoreColumns, table, all)
    const base = choice.columns !== undefined && named.length > 0 ? named : all
    const compared = info
      .filter((c) => base.includes(c.name) && !ignored.includes(c.name))
      .filter((c) => c.fill === undefined || named.includes(c.name))
      .map((c) => c.name)
    const keyInfo = info.filter((c) => c.key)
    const ownKey =
      keyInfo.length > 0 &&
      keyInfo.every((c) => (c.fill === undefined || named.includes(c.name)) && !ignored.includes(c.name))
    shapes.push({
      name: table,
      compared,
      key: ownKey ? keyInfo.map((c) => c.name) : [],
      filled: info
        .filter((c) => c.fill !== undefined && !compared.includes(c.name))
        .map((c) => ({ column: c.name, fill: c.fill! })),
    })
  }
  for (const [option, names] of [
    ['options.columns', choice.columns],
    ['options.ignoreColumns', choice.ignoreColumns],
  ] as const) {
    for (const entry of names ?? []) {
      const found = [...columnsByTable].some(([table, all]) => applying([entry], table, all).length > 0)
      if (!found) {
        throw new FaultlineArgumentError(
          option,
          `no table of ${tables.join(', ')} has a column "${entry}" (write 'table.column' or 'column')`,
        )
      }
    }
  }
  return shapes
}

/** The rows of every table, only the columns the verdict needs, each value as text. */
export async function readTables(client: pg.Client, shapes: readonly TableShape[]): Promise<TableRows> {
  const out: Record<string, Row[]> = {}
  for (const shape of shapes) {
    const needed = [...new Set([...shape.key, ...shape.compared])]
    const list = needed.map((c) => `${pg.escapeIdentifier(c)}::text AS ${pg.escapeIdentifier(c)}`)
    const sql = `SELECT ${list.length > 0 ? list.join(', ') : 'NULL'} FROM ${pg.escapeIdentifier(shape.name)}`
    out[shape.name] = (await client.query<Row>(sql)).rows
  }
  return out
}

const show = (value: string | null | undefined) => (value == null ? 'NULL' : short(value))
const rowText = (row: Row, columns: readonly string[]) =>
  `{${columns.map((c) => `${c}: ${JSON.stringify(row[c] ?? null)}`).join(', ')}}`

function keyed(
  shape: TableShape,
  before: readonly Row[],
  whole: readonly Row[],
  after: readonly Row[],
): Write[] {
  const id = (row: Row) => JSON.stringify(shape.key.map((k) => row[k]))
  const label = (row: Row) => `${shape.name} ${shape.key.map((k) => `${k}=${row[k]}`).join(', ')}`
  const index = (rows: readonly Row[]) => new Map(rows.map((r) => [id(r), r]))
  const [b, w, a] = [index(before), index(whole), index(after)]
  const values = shape.compared.filter((c) => !shape.key.includes(c))
  const qualified = (cs: readonly string[]) => cs.map((c) => `${shape.name}.${c}`)
  const writes: Write[] = []
  for (const k of new Set([...w.keys(), ...b.keys()])) {
    const [was, ref, now] = [b.get(k), w.get(k), a.get(k)]
    if (!was && ref) {
      const differ = now ? values.filter((c) => now[c] !== ref[c]) : []
      const text = `${label(ref)}: inserted ${rowText(ref, values)}`
      writes.push(
        !now
          ? { status: 'missing', columns: qualified(values), text }
          : differ.length === 0
            ? { status: 'present', columns: qualified(values), text }
            : {
                status: 'neither',
                columns: qualified(differ),
                text: `${text} (found ${rowText(now, differ)})`,
              },
      )
    } else if (was && !ref) {
      const text = `${label(was)}: deleted`
      const same = now && values.every((c) => now[c] === was[c])
      writes.push({
        status: !now ? 'present' : same ? 'missing' : 'neither',
        columns: qualified(values),
        text: !now || same ? text : `${text} (found ${rowText(now, values)})`,
      })
    } else if (was && ref) {
      for (const c of values) {
        const text = `${label(ref)}: ${c} ${show(was[c])} -> ${show(ref[c])}`
        if (was[c] === ref[c]) {
          if (now && now[c] !== was[c]) {
            writes.push({
              status: 'neither',
              columns: qualified([c]),
              text: `${label(ref)}: ${c} ${show(was[c])} unchanged by the reference run (found ${show(now[c])})`,
            })
          }
        } else if (!now) {
          writes.push({ status: 'neither', columns: qualified([c]), text: `${text} (row gone)` })
        } else if (now[c] === ref[c]) {
          writes.push({ status: 'present', columns: qualified([c]), text })
        } else {
          writes.push({
            status: now[c] === was[c] ? 'missing' : 'neither',
            columns: qualified([c]),
            text: `${text} (found ${show(now[c])})`,
          })
        }
      }
    }
  }
  for (const [k, now] of a) {
    if (!b.has(k) && !w.has(k)) {
      writes.push({
        status: 'neither',
        columns: qualified(values),
        text: `${label(now)}: a row the reference run did not write ${rowText(now, values)}`,
      })
    }
  }
  return writes
}

function multiset(
  shape: TableShape,
  before: readonly Row[],
  whole: readonly Row[],
  after: readonly Row[],
): Write[] {
  const cols = shape.compared
  const bag = (rows: readonly Row[]) => {
    const m = new Map<string, { row: Row; n: number }>()
    for (const r of rows) {
      const k = JSON.stringify(cols.map((c) => r[c]))
      const e = m.get(k)
      if (e) e.n++
      else m.set(k, { row: r, n: 1 })
    }
    return m
  }
  const minus = (x: Map<string, { row: Row; n: number }>, y: Map<string, { row: Row; n: number }>) => {
    const out = new Map<string, { row: Row; n: number }>()
    for (const [k, e] of x) {
      const n = e.n - (y.get(k)?.n ?? 0)
      if (n > 0) out.set(k, { row: e.row, n })
    }
    return out
  }
  const [b, w, a] = [bag(before), bag(whole), bag(after)]
  const columns = [`${shape.name} (rows)`]
  const writes: Write[] = []
  for (const [kind, ref, cut] of [
    ['inserted', minus(w, b), minus(a, b)],
    ['deleted', minus(b, w), minus(b, a)],
  ] as const) {
    for (const [k, e] of ref) {
      for (let i = 0; i < e.n; i++) {
        const found = cut.get(k)
        const status = found && found.n > 0 ? 'present' : 'missing'
        if (found && found.n > 0) found.n--
        writes.push({ status, columns, text: `${shape.name}: row ${kind} ${rowText(e.row, cols)}` })
      }
    }
    for (const e of cut.values()) {
      for (let i = 0; i < e.n; i++) {
        writes.push({
          status: 'neither',
          columns,
          text: `${shape.name}: row ${kind} that the reference run did not ${kind === 'inserted' ? 'insert' : 'delete'} ${rowText(e.row, cols)}`,
        })
      }
    }
  }
  return writes
}

/** Each write of the reference run (`whole` against `before`), and what the cut run left of it. */
export function classifyWrites(
  shapes: readonly TableShape[],
  before: TableRows,
  whole: TableRows,
  after: TableRows,
): Write[] {
  return shapes.flatMap((s) =>
    (s.key.length > 0 ? keyed : multiset)(s, before[s.name] ?? [], whole[s.name] ?? [], after[s.name] ?? []),
  )
}

/** The reference run's writes, for "did the function change anything at all". */
export function referenceWrites(shapes: readonly TableShape[], before: TableRows, whole: TableRows): number {
  return classifyWrites(shapes, before, whole, whole).length
}

/** The outcome of a set of writes: partial when some are present and some missing. */
export function outcomeOf(writes: readonly Write[]): Outcome {
  const count = (s: Write['status']) => writes.filter((w) => w.status === s).length
  const [present, missing, neither] = [count('present'), count('missing'), count('neither')]
  if (present > 0 && missing > 0) return 'partial'
  if (neither > 0) return 'neither'
  return missing === 0 ? 'all' : 'nothing'
}

import { setTimeout as sleep } from 'node:timers/promises'
import type { PostgresService } from '@faultline/containers'
import {
  describeValue,
  FaultlineArgumentError,
  FaultlineError,
  formatCount,
  formatSeconds,
  optionalNumber,
} from '@faultline/core'
import { createProxy, onPostgres } from '@faultline/proxy'
import pg from 'pg'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import {
  classifyWrites,
  describeTables,
  type Outcome,
  outcomeOf,
  readTables,
  referenceWrites,
  type TableRows,
  type TableShape,
  type Write,
} from './atomicity-outcome.js'
import { message } from './message.js'

/**
 * Where the connection is cut, counted in the queries the function sends (simple `Q` or extended `E`):
 * - `'first-statement'`: before the first statement reaches the server;
 * - `{ afterStatements: n }`: after n statements, before the next one;
 * - `'commit'`: when the client sends COMMIT, before the server gets it;
 * - `'in-flight-commit'`: after the server got COMMIT, before its answer reaches the client.
 */
export type CutPoint = 'first-statement' | { afterStatements: number } | 'commit' | 'in-flight-commit'

/** What `toBeAtomicUnderDisconnect` runs and inspects. */
export interface AtomicityOptions {
  /** The PostgreSQL service (e.g. `services.postgres()`); each run gets fresh databases from its template. */
  service: PostgresService
  /** Where to cut the connection. */
  cut: CutPoint
  /**
   * The tables the function writes. Each write of a reference run (a row inserted or deleted, a column of
   * a row updated) must be all present or all missing after the cut. Rows are matched by primary key;
   * columns the database fills itself (volatile defaults: `now()`, `gen_random_uuid()`, serials, identities)
   * are left out unless named in `columns`.
   */
  tables?: string[]
  /** Compare only these columns: `'table.column'`, or `'column'` in every table that has it. */
  columns?: readonly string[]
  /** Leave these columns out too (same forms), e.g. a timestamp a trigger sets. */
  ignoreColumns?: readonly string[]
  /** Or a query of your own (the outcome is its rows), or a function returning the outcome; compared whole. */
  inspect?: string | ((client: pg.Client) => Promise<unknown>)
  /**
   * How long the cut connection's backend may take to exit (finishing an in-flight COMMIT) before the
   * verdict is refused with an error, in ms (default 10 000).
   */
  backendExitTimeout?: number
  /** Aborts the wait for the backend (the verdict is refused with an error). */
  signal?: AbortSignal
}

/** A transactional function under test: it gets a connected client and does its work. */
export type TransactionalFunction = (client: pg.Client) => Promise<unknown>

function describeCut(cut: CutPoint): string {
  return typeof cut === 'object'
    ? `after ${cut.afterStatements} ${cut.afterStatements === 1 ? 'statement' : 'statements'}`
    : cut === 'first-statement'
      ? 'before the first statement'
      : cut === 'commit'
        ? 'at COMMIT (before the server got it)'
        : 'in flight at COMMIT (the server got it, the answer was lost)'
}

function names(value: unknown, argument: string): void {
  if (value === undefined) return
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new FaultlineArgumentError(
      argument,
      `expected an array of 'table.column' or 'column' names, got ${describeValue(value)}`,
    )
  }
}

function checkOptions(options: AtomicityOptions | undefined): AtomicityOptions {
  if (!options || typeof options.service?.isolate !== 'function') {
    throw new FaultlineArgumentError(
      'options.service',
      `expected a PostgreSQL service handle, e.g. { service: services.postgres(), … }, got ${describeValue(options?.service)}`,
    )
  }
  const cut = options.cut
  const valid =
    cut === 'first-statement' ||
    cut === 'commit' ||
    cut === 'in-flight-commit' ||
    (typeof cut === 'object' &&
      cut !== null &&
      Number.isInteger(cut.afterStatements) &&
      cut.afterStatements >= 1)
  if (!valid) {
    throw new FaultlineArgumentError(
      'options.cut',
      `expected 'first-statement', { afterStatements: n } (n >= 1), 'commit' or 'in-flight-commit', got ${describeValue(cut)}`,
    )
  }
  if ((options.tables === undefined || options.tables.length === 0) && options.inspect === undefined) {
    throw new FaultlineArgumentError(
      'options.tables',
      'name the tables the function writes (or give options.inspect): they are the outcome to classify',
    )
  }
  names(options.columns, 'options.columns')
  names(options.ignoreColumns, 'options.ignoreColumns')
  if (options.inspect !== undefined && (options.columns ?? options.ignoreColumns) !== undefined) {
    throw new FaultlineArgumentError(
      'options.columns',
      'columns and ignoreColumns choose what is compared in options.tables; with options.inspect, select the columns in your query',
    )
  }
  optionalNumber(options.backendExitTimeout, 'options.backendExitTimeout', { unit: 'ms', above: 0 })
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new FaultlineArgumentError(
      'options.signal',
      `expected an AbortSignal, got ${describeValue(options.signal)}`,
    )
  }
  return options
}

async function connect(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString })
  client.on('error', () => {})
  await client.connect()
  return client
}

/** The pid of the server process behind a client (from its BackendKeyData). */
const backendPid = (client: pg.Client) => (client as unknown as { processID: number | null }).processID

/**
 * Waits until the backend `pid` has exited: after a cut, an in-flight COMMIT may still be running on the
 * server, and the outcome cannot be judged while it is. Only that client backend counts (not autovacuum,
 * not the witness). Throws when it is still there at the deadline or when `signal` aborts.
 */
async function waitForBackendExit(witness: pg.Client, pid: number, timeoutMs: number, signal?: AbortSignal) {
  const deadline = AbortSignal.timeout(timeoutMs)
  const stop = signal ? AbortSignal.any([deadline, signal]) : deadline
  for (let i = 0; i < 100_000; i++) {
    const { rows } = await witness.query<{ state: string | null; query: string | null }>(
      "SELECT state, left(query, 80) AS query FROM pg_stat_activity WHERE pid = $1 AND backend_type = 'client backend'",
      [pid],
    )
    if (rows.length === 0) return
    if (stop.aborted) {
      const doing = `${rows[0]!.state ?? 'unknown state'}: ${rows[0]!.query ?? ''}`
      throw new FaultlineError(
        'BACKEND_STILL_RUNNING',
        deadline.aborted
          ? `the cut connection's backend (pid ${pid}) was still running ${formatSeconds(timeoutMs)} s after the cut (${doing}): ` +
              'what it writes is not settled, so the outcome cannot be judged. Fix: a longer options.backendExitTimeout, or find what keeps it busy'
          : `aborted while waiting for the cut connection's backend (pid ${pid}) to exit (${doing}): the outcome was not judged`,
      )
    }
    await sleep(Math.min(2 ** i, 50), undefined, { signal: stop }).catch(() => {})
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
const show = (value: unknown) => {
  const text = JSON.stringify(value)
  return text.length > 600 ? `${text.slice(0, 600)}…` : text
}
const plural = (n: number, word: string) => `${formatCount(n)} ${n === 1 ? word : `${word}s`}`
const FOUND: Record<Outcome, string> = {
  all: 'all',
  nothing: 'nothing',
  partial: 'partial',
  neither: 'neither (values no run wrote)',
}

/** The findings about the writes: counts, a few of each kind, the columns that differ, what was left out. */
function writeLines(writes: readonly Write[], shapes: readonly TableShape[]): string[] {
  const of = (s: Write['status']) => writes.filter((w) => w.status === s)
  const [present, missing, neither] = [of('present'), of('missing'), of('neither')]
  const lines = [
    `${formatCount(present.length)} of ${plural(writes.length, 'write')} present, ${formatCount(missing.length)} missing` +
      (neither.length > 0 ? `, ${formatCount(neither.length)} neither (a value no run wrote)` : ''),
  ]
  for (const [label, list] of [
    ['present', present],
    ['missing', missing],
    ['neither', neither],
  ] as const) {
    for (const w of list.slice(0, 5)) lines.push(`  ${label}: ${w.text}`)
    if (list.length > 5) lines.push(`  … and ${formatCount(list.length - 5)} more ${label}`)
  }
  const differing = [...new Set([...missing, ...neither].flatMap((w) => w.columns))]
  if (differing.length > 0 && present.length > 0) lines.push(`differing columns: ${differing.join(', ')}`)
  lines.push(
    `compared: ${shapes
      .map(
        (s) =>
          `${s.name} (${s.compared.join(', ') || 'row count'}; ${s.key.length > 0 ? `by key ${s.key.join(', ')}` : 'rows as a multiset'})`,
      )
      .join(', ')}`,
  )
  const filled = shapes.flatMap((s) => s.filled.map((f) => `${s.name}.${f.column} (${f.fill})`))
  if (filled.length > 0) lines.push(`left out (filled by the database): ${filled.join(', ')}`)
  return lines
}

function hintsFor(
  cut: CutPoint,
  outcome: Outcome,
  writes: readonly Write[] | undefined,
  errorReached: boolean,
  pass: boolean,
): string[] {
  if (pass) return []
  const hints: string[] = []
  const present = writes?.filter((w) => w.status === 'present').length ?? 0
  const neither = [...new Set((writes ?? []).filter((w) => w.status === 'neither').flatMap((w) => w.columns))]
  if (cut !== 'in-flight-commit' && (outcome === 'partial' || outcome === 'all')) {
    hints.push(
      `${writes ? `${plural(present, 'write')} ${present === 1 ? 'was' : 'were'}` : 'writes were'} committed before the cut, and no COMMIT had reached the server: ` +
        'they ran in autocommit or in an earlier transaction. Run every statement in one transaction (BEGIN … COMMIT on one client)',
    )
  } else if (outcome === 'partial' && writes) {
    hints.push(
      'the function commits more than once: the first COMMIT was cut in flight and the writes after it (missing above) never ran. Run every statement in one transaction',
    )
  } else if (outcome === 'partial') {
    hints.push(
      "the inspected outcome matches neither 'all' nor 'nothing': writes committed apart (run every statement in one transaction), or values filled at run time in your query (leave them out)",
    )
  }
  if (outcome === 'neither') {
    hints.push(
      `${neither.join(', ')} ${neither.length === 1 ? 'holds a value' : 'hold values'} no run wrote: if the database or the function fills ` +
        'it at run time (now(), random ids, a sequence, a trigger), leave it out with ignoreColumns; otherwise the function wrote something else under the cut',
    )
  }
  if (!errorReached) hints.push('let the error reach the caller: a swallowed disconnect looks like success')
  return hints
}

/**
 * Runs a transactional function with its connection cut at a chosen point (through a fault proxy with a
 * PostgreSQL trigger) and classifies what it left, write by write against a reference run without a fault
 * on another fresh copy of the template: all, nothing, partial, or neither (values no run wrote). Cut
 * before COMMIT, only nothing passes; cut in flight at COMMIT, all or nothing pass (the outcome is
 * indeterminate, as Jepsen treats it); partial never does. Columns the database fills itself are left
 * out. The error must reach the caller. The verdict waits for the cut connection's backend to exit.
 *
 * @example
 * await expect(transfer).toBeAtomicUnderDisconnect({ service: services.postgres(), cut: 'commit', tables: ['ledger'] })
 */
export async function toBeAtomicUnderDisconnect(
  this: MatcherState,
  received: unknown,
  options: AtomicityOptions,
): Promise<SyncMatcherResult> {
  if (typeof received !== 'function') {
    throw new FaultlineArgumentError(
      'received',
      'toBeAtomicUnderDisconnect expects the transactional function: expect(async (client) => …)',
    )
  }
  const fn = received as TransactionalFunction
  const { service, cut } = checkOptions(options)
  const tables = options.inspect === undefined ? (options.tables ?? []) : undefined
  const snapshot = async (client: pg.Client, shapes: readonly TableShape[]): Promise<unknown> => {
    if (typeof options.inspect === 'function') return options.inspect(client)
    if (typeof options.inspect === 'string') return (await client.query(options.inspect)).rows
    return readTables(client, shapes)
  }

  // The reference run: what "all" looks like.
  await using reference = await service.isolate()
  const referenceClient = await connect(reference.url)
  let whole: unknown
  let shapes: TableShape[] = []
  try {
    if (tables) shapes = await describeTables(referenceClient, tables, options)
    await fn(referenceClient)
    whole = await snapshot(referenceClient, shapes)
  } finally {
    await referenceClient.end().catch(() => {})
  }

  // The run under the cut, through a proxy in front of another fresh copy.
  await using target = await service.isolate()
  const witness = await connect(target.url)
  try {
    const before = await snapshot(witness, shapes)
    const changed = tables
      ? referenceWrites(shapes, before as TableRows, whole as TableRows) > 0
      : !same(before, whole)
    if (!changed) {
      const left = shapes.flatMap((s) => s.filled.map((f) => `${s.name}.${f.column}`))
      throw new FaultlineArgumentError(
        'received',
        `the function changed nothing in ${tables ? `the compared columns of ${tables.join(', ')}` : 'the inspected data'} on a reference run: there is no outcome to judge` +
          (left.length > 0
            ? ` (left out, filled by the database: ${left.join(', ')}; name one in options.columns to compare it)`
            : ''),
      )
    }
    await using proxy = await createProxy({
      upstream: `${service.host}:${service.port}`,
      protocol: 'postgres',
    })
    const trigger =
      cut === 'commit' || cut === 'in-flight-commit'
        ? proxy.trigger(onPostgres.commit(), { at: cut === 'commit' ? 'before' : 'after' })
        : proxy.trigger(onPostgres.query(), { nth: cut === 'first-statement' ? 1 : cut.afterStatements + 1 })
    const url = new URL(target.url)
    url.hostname = proxy.host
    url.port = String(proxy.port)
    const client = await connect(url.toString())
    const pid = backendPid(client)
    let error: unknown
    let resolved = false
    try {
      await fn(client)
      resolved = true
    } catch (e) {
      error = e
    } finally {
      await client.end().catch(() => {})
    }
    if (trigger.hits.length === 0) {
      throw new FaultlineArgumentError(
        'options.cut',
        `the cut ${describeCut(cut)} never happened: the function sent fewer statements${cut === 'commit' || cut === 'in-flight-commit' ? ' and no COMMIT' : ''}`,
      )
    }
    // An in-flight COMMIT may still be running on the server: judge only once its backend is gone.
    if (pid !== null)
      await waitForBackendExit(witness, pid, options.backendExitTimeout ?? 10_000, options.signal)
    const after = await snapshot(witness, shapes)
    const writes = tables
      ? classifyWrites(shapes, before as TableRows, whole as TableRows, after as TableRows)
      : undefined
    const outcome: Outcome = writes
      ? outcomeOf(writes)
      : same(after, before)
        ? 'nothing'
        : same(after, whole)
          ? 'all'
          : 'partial'
    const allowed: Outcome[] = cut === 'in-flight-commit' ? ['all', 'nothing'] : ['nothing']
    const errorReached = !resolved
    const pass = allowed.includes(outcome) && errorReached
    const hit = trigger.hits[0]!.message
    const lines = [
      `cut ${describeCut(cut)} (at ${hit}): found ${FOUND[outcome]}, expected ${allowed.join(' or ')}`,
      ...(writes
        ? writeLines(writes, shapes)
        : outcome === 'partial'
          ? [
              `rows found: ${show(after)}`,
              `all would be: ${show(whole)}`,
              `nothing would be: ${show(before)}`,
            ]
          : []),
      errorReached
        ? `the caller got the error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
        : 'the caller got no error: the function resolved although its connection was cut (the error was swallowed)',
      `over 1 cut run and 1 reference run (${plural(trigger.hits.length, 'trigger hit')})`,
    ]
    return {
      pass,
      message: () =>
        message({
          subject: 'fn',
          matcher: 'toBeAtomicUnderDisconnect',
          args: `{ cut: ${JSON.stringify(cut)} }`,
          isNot: this.isNot,
          lines,
          hints: hintsFor(cut, outcome, writes, errorReached, pass),
        }),
    }
  } finally {
    await witness.end().catch(() => {})
  }
}

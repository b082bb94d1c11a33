import type { PostgresService } from '@faultline/containers'
import { FaultlineArgumentError, formatCount } from '@faultline/core'
import { createProxy, postgres as pgMessages } from '@faultline/proxy'
import pg from 'pg'
import type { MatcherState, SyncMatcherResult } from 'vitest'
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
  /** The tables the function writes: their rows, ordered by the first column, are the outcome. */
  tables?: string[]
  /** Or a query of your own (the outcome is its rows), or a function returning the outcome. */
  inspect?: string | ((client: pg.Client) => Promise<unknown>)
}

/** A transactional function under test: it gets a connected client and does its work. */
export type TransactionalFunction = (client: pg.Client) => Promise<unknown>

type Outcome = 'nothing' | 'all' | 'partial'

function describeCut(cut: CutPoint): string {
  return typeof cut === 'object'
    ? `after ${cut.afterStatements} statements`
    : cut === 'first-statement'
      ? 'before the first statement'
      : cut === 'commit'
        ? 'at COMMIT (before the server got it)'
        : 'in flight at COMMIT (the server got it, the answer was lost)'
}

function checkOptions(options: AtomicityOptions | undefined): AtomicityOptions {
  if (!options || typeof options.service?.isolate !== 'function') {
    throw new FaultlineArgumentError(
      'options.service',
      'must be a PostgreSQL service handle, e.g. { service: services.postgres(), … }',
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
      `must be 'first-statement', { afterStatements: n } (n >= 1), 'commit' or 'in-flight-commit', got ${JSON.stringify(cut)}`,
    )
  }
  if ((options.tables === undefined || options.tables.length === 0) && options.inspect === undefined) {
    throw new FaultlineArgumentError(
      'options.tables',
      'name the tables the function writes (or give options.inspect): they are the outcome to classify',
    )
  }
  return options
}

async function snapshot(client: pg.Client, options: AtomicityOptions): Promise<unknown> {
  if (typeof options.inspect === 'function') return options.inspect(client)
  if (typeof options.inspect === 'string') return (await client.query(options.inspect)).rows
  const tables: Record<string, unknown[]> = {}
  for (const table of options.tables ?? []) {
    tables[table] = (await client.query(`SELECT * FROM ${pg.escapeIdentifier(table)} ORDER BY 1`)).rows
  }
  return tables
}

async function connect(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString })
  client.on('error', () => {})
  await client.connect()
  return client
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
const show = (value: unknown) => {
  const text = JSON.stringify(value)
  return text.length > 600 ? `${text.slice(0, 600)}…` : text
}

/**
 * Runs a transactional function with its connection cut at a chosen point (through a fault proxy with a
 * PostgreSQL trigger) and classifies what it left: all, nothing or partial. Cut before COMMIT, only
 * nothing passes; cut in flight at COMMIT, all or nothing pass (the outcome is indeterminate, as Jepsen
 * treats it); partial never does. The error must reach the caller. "All" is learned from a reference run
 * without a fault on another fresh copy of the template.
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

  // The reference run: what "all" looks like.
  await using reference = await service.isolate()
  const referenceClient = await connect(reference.url)
  let whole: unknown
  try {
    await fn(referenceClient)
    whole = await snapshot(referenceClient, options)
  } finally {
    await referenceClient.end().catch(() => {})
  }

  // The run under the cut, through a proxy in front of another fresh copy.
  await using target = await service.isolate()
  const witness = await connect(target.url)
  try {
    const before = await snapshot(witness, options)
    if (same(before, whole)) {
      throw new FaultlineArgumentError(
        'received',
        `the function changed nothing in ${options.tables?.join(', ') ?? 'the inspected data'} on a reference run: there is no outcome to judge`,
      )
    }
    await using proxy = await createProxy({
      upstream: `${service.host}:${service.port}`,
      protocol: 'postgres',
    })
    const trigger =
      cut === 'commit' || cut === 'in-flight-commit'
        ? proxy.trigger(pgMessages.commit(), { at: cut === 'commit' ? 'before' : 'after' })
        : proxy.trigger(pgMessages.query(), { nth: cut === 'first-statement' ? 1 : cut.afterStatements + 1 })
    const url = new URL(target.url)
    url.hostname = proxy.host
    url.port = String(proxy.port)
    const client = await connect(url.toString())
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
    // An in-flight COMMIT may still be finishing on the server: wait for the backend to go away.
    for (let i = 0; i < 100; i++) {
      const { rows } = await witness.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [target.database],
      )
      if (rows[0].n === 0) break
      await new Promise((r) => setTimeout(r, 20))
    }
    const after = await snapshot(witness, options)
    if (trigger.hits.length === 0) {
      throw new FaultlineArgumentError(
        'options.cut',
        `the cut ${describeCut(cut)} never happened: the function sent fewer statements${cut === 'commit' || cut === 'in-flight-commit' ? ' and no COMMIT' : ''}`,
      )
    }
    const outcome: Outcome = same(after, before) ? 'nothing' : same(after, whole) ? 'all' : 'partial'
    const allowed: Outcome[] = cut === 'in-flight-commit' ? ['all', 'nothing'] : ['nothing']
    const errorReached = !resolved
    const pass = allowed.includes(outcome) && errorReached
    const hit = trigger.hits[0]!.message
    const lines = [
      `cut ${describeCut(cut)} (at ${hit}): found ${outcome}, expected ${allowed.join(' or ')}`,
      ...(outcome === 'partial'
        ? [`rows found: ${show(after)}`, `all would be: ${show(whole)}`, `nothing would be: ${show(before)}`]
        : []),
      errorReached
        ? `the caller got the error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
        : 'the caller got no error: the function resolved although its connection was cut (the error was swallowed)',
      `over 1 cut run and 1 reference run (${formatCount(trigger.hits.length)} trigger hit)`,
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
          hints: pass
            ? []
            : outcome === 'partial'
              ? ['run every statement in one transaction (BEGIN … COMMIT on one client), not in autocommit']
              : !errorReached
                ? ['let the error reach the caller: a swallowed disconnect looks like success']
                : [],
        }),
    }
  } finally {
    await witness.end().catch(() => {})
  }
}

import { now } from '../clock.js'
import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'

/**
 * How an operation ended, as Jepsen records it: `ok` — it happened and the caller was told so; `fail` — it
 * definitely did not happen; `indeterminate` — the caller cannot know (a connection cut during COMMIT, a
 * publish whose confirm never came), so finding it or not finding it later are both fine.
 */
export type OperationOutcome = 'pending' | 'ok' | 'fail' | 'indeterminate'

/**
 * One recorded operation — one attempt at a write: what it tried to write, and how it ended. Operations
 * with the same `id` are attempts of one logical write (a retry); without an `id`, each operation is a write
 * of its own, so two acknowledged writes of one value must leave it twice.
 */
export interface Operation<V> {
  /** Sequence number in invocation order. */
  readonly index: number
  /** The value written (a row id, a message id): what the final read is checked for. */
  readonly value: V
  /**
   * The logical write this operation is an attempt of (an idempotency key, a message id): attempts sharing
   * an id write the same value and must leave it at most once. Unset: the operation is a write of its own.
   */
  readonly id?: string | number
  outcome: OperationOutcome
  /** When it was invoked and completed, in ms since the history started (`history.startedAt`). */
  readonly invokedAt: number
  completedAt?: number
  /** The error of a failed or indeterminate operation. */
  error?: unknown
  /** Which client (writer, publisher) ran it. */
  readonly process?: string | number
}

/** Options of `history.invoke()`. */
export interface InvokeOptions {
  /** Which client runs the operation, for the report. */
  process?: string | number
  /**
   * The logical write this operation is an attempt of: give every retry of one write the same id (an
   * idempotency key, a message id). Attempts sharing an id must write the same value; together they may
   * leave it at most once, and must leave it once if any of them was acknowledged. Default: the operation
   * is a write of its own.
   */
  id?: string | number
}

/** Options of `history.record()`. */
export interface RecordOptions extends InvokeOptions {
  /**
   * Decides whether an error means the write definitely did not happen (`fail`) or might have
   * (`indeterminate`). The default: connection-level errors (reset, closed, timeout, PostgreSQL's SQLSTATE
   * class 08 and 57P0x) are indeterminate, everything else fails.
   */
  classify?: (error: unknown) => 'fail' | 'indeterminate'
}

const INDETERMINATE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  '57P01', // admin_shutdown: pg_terminate_backend, server restart
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
])

/**
 * The default classifier: errors that say the connection broke (so the server may or may not have done
 * the work) are indeterminate; errors the server answered with (a constraint, a syntax error) are fails.
 */
export function classifyError(error: unknown): 'fail' | 'indeterminate' {
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code === 'string' && (INDETERMINATE_CODES.has(code) || code.startsWith('08')))
    return 'indeterminate'
  const text = error instanceof Error ? error.message : String(error)
  if (
    /connection (terminated|closed|lost|ended|reset)|socket hang up|Connection is closed|channel closed|timed? ?out/i.test(
      text,
    )
  ) {
    return 'indeterminate'
  }
  return 'fail'
}

/**
 * A history of writes for checking what a final read must contain: record each write as it runs, then
 * `checkHistory(history, finalRead)`.
 *
 * @example
 * const history = new History<number>()
 * await Promise.all(ids.map((id) => history.record(id, () => insertAuditRow(id)).catch(() => {})))
 * const { rows } = await client.query('SELECT id FROM audit')
 * expect(history).toHaveNoLostWrites(rows.map((r) => r.id))
 */
export class History<V> {
  readonly #operations: Operation<V>[] = []
  /** Epoch ms (core's `now()`) when the history started: operations' times count from here. */
  readonly startedAt = now()

  /** Every operation recorded so far, in invocation order. */
  get operations(): readonly Operation<V>[] {
    return this.#operations
  }

  /**
   * Opens an operation; complete it with `ok`, `fail` or `indeterminate`. The second argument is the
   * process (a client's name or number) or `{ process, id }`.
   *
   * @example
   * const op = history.invoke(id, { process: 'writer-1', id })
   * await client.query('INSERT INTO audit VALUES ($1)', [id])
   * op.ok()
   */
  invoke(value: V, options?: InvokeOptions | string | number): OperationHandle<V> {
    const { process, id } = invokeOptions(options)
    const operation: Operation<V> = {
      index: this.#operations.length,
      value,
      outcome: 'pending',
      invokedAt: now() - this.startedAt,
      process,
      id,
    }
    this.#operations.push(operation)
    return new OperationHandle(operation, this.startedAt)
  }

  /**
   * Runs `write` as one operation: `ok` when it resolves, `fail` or `indeterminate` (see
   * `RecordOptions.classify`) when it rejects. Rethrows the error, so the caller sees what the code under
   * test would see. Retrying a write? Record each attempt with the same `id`.
   *
   * @example
   * for (let attempt = 1; ; attempt++) {
   *   try {
   *     await history.record(id, () => deposit(client, id), { id }) // each attempt, one logical write
   *     break
   *   } catch (error) {
   *     if (error.code !== '40001' || attempt === 5) throw error // a serialization failure: run it again
   *   }
   * }
   */
  async record<T>(value: V, write: () => Promise<T>, options: RecordOptions = {}): Promise<T> {
    const handle = this.invoke(value, { process: options.process, id: options.id })
    try {
      const result = await write()
      handle.ok()
      return result
    } catch (error) {
      const outcome = (options.classify ?? classifyError)(error)
      if (outcome === 'fail') handle.fail(error)
      else handle.indeterminate(error)
      throw error
    }
  }

  /** How many operations ended each way. */
  counts(): Record<OperationOutcome, number> {
    const counts = { pending: 0, ok: 0, fail: 0, indeterminate: 0 }
    for (const op of this.#operations) counts[op.outcome]++
    return counts
  }
}

function invokeOptions(options: InvokeOptions | string | number | undefined): InvokeOptions {
  if (options === undefined || typeof options === 'string' || typeof options === 'number')
    return options === undefined ? {} : { process: options }
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      `expected a process name or number, or { process, id }, got ${describeValue(options)}`,
    )
  }
  for (const [name, value] of Object.entries({ process: options.process, id: options.id })) {
    if (value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
      throw new FaultlineArgumentError(
        `options.${name}`,
        `expected a string or a number (e.g. { ${name}: 'order-7' }), got ${describeValue(value)}`,
      )
    }
  }
  return options
}

/** Completes one operation of a history. */
export class OperationHandle<V> {
  readonly #operation: Operation<V>
  readonly #started: number

  /** @internal */
  constructor(operation: Operation<V>, started: number) {
    this.#operation = operation
    this.#started = started
  }

  #complete(outcome: OperationOutcome, error?: unknown): void {
    if (this.#operation.outcome !== 'pending') {
      throw new FaultlineArgumentError(
        'operation',
        `operation #${this.#operation.index} already ended as ${this.#operation.outcome}; an operation ends once`,
      )
    }
    this.#operation.outcome = outcome
    this.#operation.completedAt = now() - this.#started
    if (error !== undefined) this.#operation.error = error
  }

  /** It happened, and the caller was told so. */
  ok(): void {
    this.#complete('ok')
  }
  /** It definitely did not happen. */
  fail(error?: unknown): void {
    this.#complete('fail', error)
  }
  /** The caller cannot know whether it happened. */
  indeterminate(error?: unknown): void {
    this.#complete('indeterminate', error)
  }
}

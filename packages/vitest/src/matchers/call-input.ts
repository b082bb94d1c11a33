// Input checks and wording shared by the matchers over calls (toFailFastWithin, toRecoverWithin).
// Public (`@faultline/vitest/matchers`).
import { checkNumber, describeValue, FaultlineArgumentError, type TimedCall } from '@faultline/core'

/**
 * The call a matcher times: a function of an AbortSignal (aborted when the matcher gives up), or, with
 * `{ allowPromise: true }`, a promise already running (timed from the assertion).
 *
 * @example
 * import { asCall } from '@faultline/vitest/matchers'
 * const call = asCall(received, 'toAnswerWithin') // (signal) => Promise
 */
export function asCall(received: unknown, matcher: string): TimedCall
export function asCall(
  received: unknown,
  matcher: string,
  options: { readonly allowPromise: boolean },
): TimedCall | PromiseLike<unknown>
export function asCall(
  received: unknown,
  matcher: string,
  options: { readonly allowPromise: boolean } = { allowPromise: false },
): TimedCall | PromiseLike<unknown> {
  if (typeof received === 'function') return received as TimedCall
  if (options.allowPromise && typeof (received as PromiseLike<unknown> | null)?.then === 'function') {
    return received as PromiseLike<unknown>
  }
  throw new FaultlineArgumentError(
    'received',
    `${matcher} expects a function of an AbortSignal that makes the call, e.g. expect((signal) => client.get('/x', { signal })).${matcher}(2000); got ${describeValue(received)}`,
  )
}

/**
 * A budget in ms: a finite number > 0.
 *
 * @example
 * checkBudget(2_000, 'budgetMs') // 2000
 * checkBudget(-1, 'budgetMs') // throws "budgetMs: expected a number of ms > 0, got -1"
 */
export function checkBudget(value: unknown, argument: string): number {
  return checkNumber(value, argument, { unit: 'ms', above: 0 })
}

/**
 * One line for an error: its name and message, shortened.
 *
 * @example
 * describeError(new TypeError('fetch failed')) // 'TypeError: fetch failed'
 */
export function describeError(error: unknown): string {
  // Libraries often leave `name` as 'Error' on their subclasses (cockatiel's BrokenCircuitError): use the class.
  const name =
    error instanceof Error && error.name === 'Error' ? error.constructor.name : (error as Error)?.name
  const text =
    error instanceof Error ? `${name}: ${error.message}` : typeof error === 'string' ? error : String(error)
  const line = text.split('\n')[0] ?? ''
  return line.length > 160 ? `${line.slice(0, 157)}...` : line
}

// Input checks and wording shared by the matchers over calls (toFailFastWithin, toRecoverWithin).
import { FaultlineArgumentError, type TimedCall } from '@faultline/core'
import { type MessageParts, message } from './message.js'

/** The call a matcher times: a function of an AbortSignal (aborted when the matcher gives up). */
export function toCall(
  received: unknown,
  matcher: string,
  allowPromise: boolean,
): TimedCall | PromiseLike<unknown> {
  if (typeof received === 'function') return received as TimedCall
  if (allowPromise && typeof (received as PromiseLike<unknown> | null)?.then === 'function') {
    return received as PromiseLike<unknown>
  }
  throw new FaultlineArgumentError(
    'received',
    `${matcher} expects a function of an AbortSignal that makes the call, e.g. expect((signal) => client.get('/x', { signal })).${matcher}(2000); got ${received === null ? 'null' : typeof received}`,
  )
}

/** A budget in ms: a finite number > 0. */
export function checkBudget(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new FaultlineArgumentError(argument, `must be a duration in ms > 0, got ${String(value)}`)
  }
  return value
}

/** One line for an error: its name and message, shortened. */
export function describeError(error: unknown): string {
  // Libraries often leave `name` as 'Error' on their subclasses (cockatiel's BrokenCircuitError): use the class.
  const name =
    error instanceof Error && error.name === 'Error' ? error.constructor.name : (error as Error)?.name
  const text =
    error instanceof Error ? `${name}: ${error.message}` : typeof error === 'string' ? error : String(error)
  const line = text.split('\n')[0] ?? ''
  return line.length > 160 ? `${line.slice(0, 157)}...` : line
}

/** `message()` with the subject the matcher was called on (`call`, `upstream`, `breaker`) in its head line. */
export function messageAbout(subject: string, parts: MessageParts): string {
  return message({ ...parts, subject })
}

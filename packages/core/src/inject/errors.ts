import { FaultlineError, isFaultlineError } from '../errors.js'

/**
 * The error an `error` fault throws by default, so a test can tell an injected failure from a real one.
 *
 * @example
 * try { await fault.fn() } catch (error) { isInjectedFault(error) } // true
 */
export class InjectedFaultError extends FaultlineError {
  /** The name of the fault that threw it. */
  readonly fault: string

  constructor(fault: string) {
    super('INJECTED_FAULT', `injected fault: ${fault}`)
    this.name = 'InjectedFaultError'
    this.fault = fault
  }
}

/**
 * True for an error thrown by an `error` fault's default, even across copies of the package.
 *
 * @example
 * expect(isInjectedFault(error)).toBe(true)
 */
export function isInjectedFault(error: unknown): error is InjectedFaultError {
  return isFaultlineError(error) && error.code === 'INJECTED_FAULT'
}

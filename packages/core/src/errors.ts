const brand = Symbol.for('faultline.error')

/**
 * Base class of every error Faultline throws on purpose. `code` is stable and machine-readable;
 * the message names the cause and the fix.
 */
export class FaultlineError extends Error {
  readonly [brand] = true
  /** A stable identifier of the failure, e.g. `DOCKER_UNREACHABLE`. */
  readonly code: string

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'FaultlineError'
    this.code = code
  }
}

/** True for any error thrown by Faultline, even across copies of the package. */
export function isFaultlineError(error: unknown): error is FaultlineError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true
}

/**
 * An argument a caller passed is wrong. The message names the argument and the fix.
 * The stack starts at the caller's frame when `callee` is given.
 */
export class FaultlineArgumentError extends FaultlineError {
  /** The argument's name as the caller wrote it, e.g. `options.timeout`. */
  readonly argument: string

  constructor(argument: string, message: string, callee?: (...args: never[]) => unknown) {
    super('INVALID_ARGUMENT', `${argument}: ${message}`)
    this.name = 'FaultlineArgumentError'
    this.argument = argument
    if (callee) Error.captureStackTrace(this, callee)
  }
}

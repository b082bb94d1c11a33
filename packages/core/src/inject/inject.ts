import { FaultlineArgumentError } from '../errors.js'
import { Fault } from './fault.js'
import { checkFaultOptions, type FaultOptions } from './options.js'

/** A fault on a function: `fn` is the wrapped function to hand to the code under test. */
export interface FunctionFault<A extends unknown[], R> extends Fault<A, R> {
  /** Calls the original through the fault. Always returns a promise. */
  readonly fn: (...args: A) => Promise<R>
}

/**
 * Wraps `fn` so that its calls throw, return a chosen outcome, wait, or hang, per `options`.
 * The wrapper always returns a promise.
 *
 * @example
 * await using fault = injectFault(callLlm, { kind: 'hang', when: (req) => req.tenant === 'a' })
 * const answer = fault.fn({ tenant: 'a', signal: AbortSignal.timeout(2_000) }) // rejects after 2 s
 */
export function injectFault<A extends unknown[], R>(
  fn: (...args: A) => R,
  options: FaultOptions<A, Awaited<R>>,
): FunctionFault<A, Awaited<R>> {
  if (typeof fn !== 'function') {
    throw new FaultlineArgumentError('fn', `must be a function, got ${typeof fn}`, injectFault)
  }
  checkFaultOptions(options, injectFault)
  const fault = new Fault<A, Awaited<R>>(options, `${options.kind} ${fn.name || 'function'}`)
  const original = fn as (...args: A) => Awaited<R> | Promise<Awaited<R>>
  const wrapped = function (this: unknown, ...args: A): Promise<Awaited<R>> {
    return fault.invoke(original, this, args)
  }
  return Object.assign(fault, { fn: wrapped })
}

/** The keys of `T` that are functions. */
export type MethodKey<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never
}[keyof T]
type Args<F> = F extends (...args: infer A) => unknown ? A : never
type Result<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never

/**
 * Replaces `target[method]` with a wrapper that goes through the fault; disposing the fault puts the
 * original back. The method then always returns a promise.
 *
 * @example
 * await using fault = injectMethod(client, 'complete', { kind: 'error', rate: 0.1, seed: 42 })
 * // ... run the code under test, which calls client.complete(...) ...
 * fault.stats().injected // about one call in ten
 */
export function injectMethod<T extends object, K extends MethodKey<T>>(
  target: T,
  method: K,
  options: FaultOptions<Args<T[K]>, Result<T[K]>>,
): Fault<Args<T[K]>, Result<T[K]>> {
  const holder = target as Record<PropertyKey, unknown>
  const original = holder[method as PropertyKey]
  if (typeof original !== 'function') {
    throw new FaultlineArgumentError(
      'method',
      `${String(method)} is not a method of the target (got ${typeof original})`,
      injectMethod,
    )
  }
  checkFaultOptions(options, injectMethod)
  const own = Object.hasOwn(target, method)
  const restore = (): void => {
    // Put back exactly what was there: the own property, or nothing (so the prototype's method shows again).
    if (own) holder[method as PropertyKey] = original
    else delete holder[method as PropertyKey]
  }
  type A = Args<T[K]>
  type R = Result<T[K]>
  const fault = new Fault<A, R>(options, `${options.kind} ${String(method)}`, restore)
  const call = original as (...args: A) => R | Promise<R>
  holder[method as PropertyKey] = function (this: unknown, ...args: A): Promise<R> {
    return fault.invoke(call, this, args)
  }
  return fault
}

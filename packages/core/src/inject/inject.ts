import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import { checkFunction } from '../validate.js'
import { InjectedFault } from './fault.js'
import { checkInjectOptions, type InjectOptions } from './options.js'

/** A fault on a function: `fn` is the wrapped function to hand to the code under test. */
export interface FunctionFault<A extends unknown[], R> extends InjectedFault<A, R> {
  /** Calls the original through the fault. Always returns a promise. */
  readonly fn: (...args: A) => Promise<R>
}

/**
 * Wraps `fn` so that its calls throw, return a chosen outcome, wait, or never answer (a black hole), per
 * `options`. The wrapper always returns a promise. Returns the {@link InjectedFault}: `await fault.heal()`
 * ends it, `await using` heals it at the end of the block.
 *
 * @example
 * await using fault = injectFault(callLlm, { kind: 'blackHole', when: (req) => req.tenant === 'a' })
 * const answer = fault.fn({ tenant: 'a', signal: AbortSignal.timeout(2_000) }) // rejects after 2 s
 */
export function injectFault<A extends unknown[], R>(
  fn: (...args: A) => R,
  options: InjectOptions<A, Awaited<R>>,
): FunctionFault<A, Awaited<R>> {
  checkFunction(fn, 'fn', {}, injectFault)
  checkInjectOptions(options, injectFault)
  const fault = new InjectedFault<A, Awaited<R>>(options, `${options.kind} ${fn.name || 'function'}`)
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
  options: InjectOptions<Args<T[K]>, Result<T[K]>>,
): InjectedFault<Args<T[K]>, Result<T[K]>> {
  const holder = target as Record<PropertyKey, unknown>
  const original = holder[method as PropertyKey]
  if (typeof original !== 'function') {
    throw new FaultlineArgumentError(
      'method',
      `expected the name of a method of the target, got ${describeValue(String(method))} (${describeValue(original)} on the target)`,
      injectMethod,
    )
  }
  checkInjectOptions(options, injectMethod)
  const own = Object.hasOwn(target, method)
  const restore = (): void => {
    // Put back exactly what was there: the own property, or nothing (so the prototype's method shows again).
    if (own) holder[method as PropertyKey] = original
    else delete holder[method as PropertyKey]
  }
  type A = Args<T[K]>
  type R = Result<T[K]>
  const fault = new InjectedFault<A, R>(options, `${options.kind} ${String(method)}`, restore)
  const call = original as (...args: A) => R | Promise<R>
  holder[method as PropertyKey] = function (this: unknown, ...args: A): Promise<R> {
    return fault.invoke(call, this, args)
  }
  return fault
}

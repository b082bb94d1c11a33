import { FaultlineError } from '../errors.js'
import { checkNumber } from '../validate.js'

/** How one call settled, and when (ms after it started). */
export type Settlement =
  | { readonly outcome: 'rejected'; readonly ms: number; readonly error: unknown }
  | { readonly outcome: 'resolved'; readonly ms: number; readonly value: unknown }
  /** Still pending at `giveUpAfter`: its signal was aborted and the call abandoned. */
  | { readonly outcome: 'pending'; readonly ms: number }

/** A call to time: gets a signal that aborts when the measurement gives up. */
export type TimedCall = (signal: AbortSignal) => unknown

/**
 * Starts `call` and waits for it to settle, at most `giveUpAfter`: then it aborts the call's signal and
 * reports it as pending, so a hanging call never hangs the caller.
 *
 * @example
 * const s = await measureSettle((signal) => client.complete('hi', { signal }), { giveUpAfter: 3_000 })
 * s.outcome // 'rejected' after 2,003 ms with a TimeoutError, or 'pending' if the client never gave up
 */
export async function measureSettle(
  call: TimedCall | PromiseLike<unknown>,
  options: { readonly giveUpAfter: number },
): Promise<Settlement> {
  const limit = checkNumber(options.giveUpAfter, 'options.giveUpAfter', { unit: 'ms', min: 0 }, measureSettle)
  const controller = new AbortController()
  const start = performance.now()
  let running: Promise<unknown>
  try {
    running = Promise.resolve(typeof call === 'function' ? call(controller.signal) : call)
  } catch (error) {
    return { outcome: 'rejected', ms: performance.now() - start, error }
  }
  let timer: NodeJS.Timeout | undefined
  const gaveUp = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), limit)
  })
  try {
    const result = await Promise.race([
      running.then(
        (value) => ({ outcome: 'resolved' as const, value }),
        (error: unknown) => ({ outcome: 'rejected' as const, error }),
      ),
      gaveUp,
    ])
    const ms = performance.now() - start
    if (result === 'pending') {
      // Abandon it: abort its signal (a well-behaved call stops now) and swallow whatever it does later.
      running.catch(() => {})
      controller.abort(new FaultlineError('GAVE_UP', `gave up waiting after ${Math.round(limit)} ms`))
      return { outcome: 'pending', ms }
    }
    return { ...result, ms }
  } finally {
    clearTimeout(timer)
  }
}

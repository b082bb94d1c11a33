// How one load run is cut into the parts of its threads: each part gets its share of what bounds the
// run (count, concurrency, maxInFlight, maxQueued), and only data: signals and the timeline stay with the
// calling thread, which relays the signals and lays the faults on the merged report.
import { FaultlineArgumentError } from '../errors.js'
import type { Callee } from '../validate.js'
import type { LoadOptions } from './options.js'
import type { LoadPart } from './run.js'

/** `total` shared out over `part.of` parts: this part's share (the first parts take the remainder). */
export function shareOf(total: number, part: LoadPart): number {
  if (!Number.isFinite(total)) return total
  return Math.floor(total / part.of) + (part.index < total % part.of ? 1 : 0)
}

/**
 * The options of one part of a run spread over threads: the shares of its bounds, without the signals
 * and the timeline (they do not cross threads), and with `threads` left out.
 *
 * @example
 * partOptions({ rate: 1_000, duration: 5_000, count: 3_001, seed: 7 }, { index: 0, of: 2 }, load)
 * // { rate: 1_000, duration: 5_000, count: 1_501, seed: 7 }: the rate is the whole run's (every 2nd arrival is this part's)
 */
export function partOptions(options: LoadOptions, part: LoadPart, callee: Callee): LoadOptions {
  const { signal: _signal, stop: _stop, timeline: _timeline, threads: _threads, ...data } = options
  const shared: Record<string, unknown> = { ...data }
  if (options.count !== undefined && options.count < part.of) {
    throw new FaultlineArgumentError(
      'options.threads',
      `${part.of} threads for a count of ${options.count}: give at most as many threads as calls`,
      callee,
    )
  }
  if (options.count !== undefined) shared.count = shareOf(options.count, part)
  if (options.rate !== undefined) {
    const open = options as { maxInFlight?: number; maxQueued?: number }
    shared.maxInFlight = Math.max(1, Math.ceil((open.maxInFlight ?? 1_000) / part.of))
    if (open.maxQueued !== undefined) shared.maxQueued = Math.ceil(open.maxQueued / part.of)
  } else {
    if (typeof options.concurrency !== 'number') {
      throw new FaultlineArgumentError(
        'options.concurrency',
        'a users profile cannot be spread over threads yet: give concurrency as a number, or leave threads out',
        callee,
      )
    }
    if (options.concurrency < part.of) {
      throw new FaultlineArgumentError(
        'options.threads',
        `${part.of} threads for ${options.concurrency} calls in flight: give at most as many threads as concurrency`,
        callee,
      )
    }
    shared.concurrency = shareOf(options.concurrency, part)
  }
  return shared as unknown as LoadOptions
}

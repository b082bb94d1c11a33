// Latencies drawn from a distribution rather than fixed: real dependencies answer with a long tail, and
// a fixed delay hides what a timeout or a percentile budget does with it. Seeded through core's Random.
import { describeValue } from './describe-value.js'
import { FaultlineArgumentError } from './errors.js'
import type { Random } from './random.js'
import { type Callee, checkNumber, checkOneOf } from './validate.js'

/**
 * A latency distribution, in ms:
 * - `uniform`: any value in [min, max];
 * - `exponential`: mean `mean` (memoryless, most calls fast, a few slow);
 * - `normal`: mean `mean`, standard deviation `sd`, never below 0;
 * - `lognormal`: half the calls under `median`, 1 % over `p99` (the long tail of real services).
 * Every one is capped at `max` when given.
 */
export type LatencyDistribution =
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'exponential'; readonly mean: number; readonly max?: number }
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number; readonly max?: number }
  | { readonly kind: 'lognormal'; readonly median: number; readonly p99: number; readonly max?: number }

const KINDS = ['uniform', 'exponential', 'normal', 'lognormal'] as const
const MS = { unit: 'ms', min: 0 } as const
// The standard normal's 99th percentile: p99 = median x e^(Z99 x sigma).
const Z99 = 2.3263478740408408

/**
 * Checks a latency: a number of ms >= 0, or a {@link LatencyDistribution}; throws a
 * `FaultlineArgumentError` naming the first wrong field.
 *
 * @example
 * checkLatency({ kind: 'lognormal', median: 50, p99: 400 }, 'behaviour.delay')
 */
export function checkLatency(value: unknown, argument: string, callee?: Callee): void {
  if (typeof value === 'number') {
    checkNumber(value, argument, MS, callee)
    return
  }
  if (typeof value !== 'object' || value === null) {
    throw new FaultlineArgumentError(
      argument,
      `expected a number of ms or a distribution such as { kind: 'lognormal', median: 50, p99: 400 }, got ${describeValue(value)}`,
      callee,
    )
  }
  const d = value as Record<string, unknown>
  const kind = checkOneOf(d.kind, KINDS, `${argument}.kind`, undefined, callee)
  switch (kind) {
    case 'uniform': {
      const min = checkNumber(d.min, `${argument}.min`, MS, callee)
      checkNumber(d.max, `${argument}.max`, { unit: 'ms', min }, callee)
      return
    }
    case 'exponential':
      checkNumber(d.mean, `${argument}.mean`, { unit: 'ms', above: 0 }, callee)
      break
    case 'normal':
      checkNumber(d.mean, `${argument}.mean`, MS, callee)
      checkNumber(d.sd, `${argument}.sd`, MS, callee)
      break
    case 'lognormal': {
      const median = checkNumber(d.median, `${argument}.median`, { unit: 'ms', above: 0 }, callee)
      checkNumber(d.p99, `${argument}.p99`, { unit: 'ms', min: median }, callee)
      break
    }
  }
  if (d.max !== undefined) checkNumber(d.max, `${argument}.max`, MS, callee)
}

/**
 * One latency (ms) from `latency`: the number itself, or a draw from the distribution with `random`.
 *
 * @example
 * const random = createRandom(42)
 * drawLatency({ kind: 'exponential', mean: 100 }, random) // e.g. 37.2, the same for seed 42
 */
export function drawLatency(latency: number | LatencyDistribution, random: Random): number {
  if (typeof latency === 'number') return latency
  let ms: number
  switch (latency.kind) {
    case 'uniform':
      return latency.min + random.next() * (latency.max - latency.min)
    case 'exponential':
      ms = random.exponential(latency.mean)
      break
    case 'normal':
      ms = Math.max(0, latency.mean + latency.sd * standardNormal(random))
      break
    case 'lognormal': {
      const sigma = Math.log(latency.p99 / latency.median) / Z99
      ms = latency.median * Math.exp(sigma * standardNormal(random))
      break
    }
  }
  return latency.max === undefined ? ms : Math.min(ms, latency.max)
}

// Box-Muller: two uniforms to one standard normal (1 - u keeps the log finite, as next() may be 0).
function standardNormal(random: Random): number {
  const u = 1 - random.next()
  const v = random.next()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import type { Random } from '../random.js'
import { checkNumber, type NumberRule, optionalNumber } from '../validate.js'

/** One phase of an arrival-rate profile; rates are per second. */
export interface RatePhase {
  readonly shape: 'constant' | 'ramp' | 'exponential'
  readonly from: number
  readonly to: number
  /** ms; `Infinity` only for a constant rate without a duration. */
  readonly durationMs: number
}

/**
 * How calls arrive in the open model: a sequence of phases (the rate over time), with evenly spaced
 * arrivals or, with `poisson(...)`, exponentially distributed gaps (seeded).
 */
export interface ArrivalRate {
  readonly phases: readonly RatePhase[]
  readonly poisson: boolean
}

const RATE: NumberRule = { unit: 'arrivals per second', min: 0 }
const DURATION: NumberRule = { unit: 'ms', above: 0 }

/**
 * A constant arrival rate, for `durationMs` or, without it, for the whole run.
 *
 * @example
 * load(task, { rate: constantRate(200), duration: 10_000 })
 */
export function constantRate(perSecond: number, durationMs?: number): ArrivalRate {
  checkNumber(perSecond, 'perSecond', RATE, constantRate)
  const d = optionalNumber(durationMs, 'durationMs', DURATION, Number.POSITIVE_INFINITY, constantRate)
  return { phases: [{ shape: 'constant', from: perSecond, to: perSecond, durationMs: d }], poisson: false }
}

/**
 * A rate that grows (or shrinks) linearly from `from` to `to` per second over `durationMs`.
 *
 * @example
 * // ramp from 0 to 500 arrivals/s over 10 s
 * load(task, { rate: rampRate(0, 500, 10_000) })
 */
export function rampRate(from: number, to: number, durationMs: number): ArrivalRate {
  checkNumber(from, 'from', RATE, rampRate)
  checkNumber(to, 'to', RATE, rampRate)
  checkNumber(durationMs, 'durationMs', DURATION, rampRate)
  return { phases: [{ shape: 'ramp', from, to, durationMs }], poisson: false }
}

/**
 * A rate that grows exponentially from `from` to `to` per second over `durationMs` (both > 0):
 * a thundering herd building up.
 *
 * @example
 * load(task, { rate: exponentialRate(10, 1_000, 5_000) })
 */
export function exponentialRate(from: number, to: number, durationMs: number): ArrivalRate {
  checkNumber(from, 'from', RATE, exponentialRate)
  checkNumber(to, 'to', RATE, exponentialRate)
  if (from === 0 || to === 0) {
    // Growth from 0 never starts: say it in the validator's words, with the rule that applies here.
    const [argument, value] = from === 0 ? ['from', from] : ['to', to]
    checkNumber(value, argument, { unit: 'arrivals per second', above: 0 }, exponentialRate)
  }
  checkNumber(durationMs, 'durationMs', DURATION, exponentialRate)
  return { phases: [{ shape: 'exponential', from, to, durationMs }], poisson: false }
}

/**
 * Steps: each rate held for `stepMs`.
 *
 * @example
 * load(task, { rate: stepRates([50, 100, 200], 2_000) }) // 6 s in all
 */
export function stepRates(rates: readonly number[], stepMs: number): ArrivalRate {
  if (!Array.isArray(rates) || rates.length === 0) {
    throw new FaultlineArgumentError(
      'rates',
      `expected a non-empty array of rates per second, got ${describeValue(rates)}`,
      stepRates,
    )
  }
  checkNumber(stepMs, 'stepMs', DURATION, stepRates)
  return {
    phases: rates.map((r, i) => {
      checkNumber(r, `rates[${i}]`, RATE, stepRates)
      return { shape: 'constant' as const, from: r, to: r, durationMs: stepMs }
    }),
    poisson: false,
  }
}

/**
 * Phases one after another, e.g. ramp up, hold, ramp down.
 *
 * @example
 * ratePhases(rampRate(0, 200, 5_000), constantRate(200, 20_000), rampRate(200, 0, 5_000))
 */
export function ratePhases(...rates: readonly ArrivalRate[]): ArrivalRate {
  const phases = rates.flatMap((r) => r.phases)
  const open = phases.findIndex((p) => !Number.isFinite(p.durationMs))
  if (open !== -1 && open !== phases.length - 1) {
    throw new FaultlineArgumentError('rates', 'only the last phase may be without a duration', ratePhases)
  }
  return { phases, poisson: rates.some((r) => r.poisson) }
}

/**
 * The same rate profile with Poisson arrivals: exponentially distributed gaps, seeded by the run's seed.
 *
 * @example
 * load(task, { rate: poissonArrivals(constantRate(300)), duration: 30_000, seed: 42 })
 */
export function poissonArrivals(rate: ArrivalRate | number): ArrivalRate {
  const base = typeof rate === 'number' ? constantRate(rate) : rate
  return { phases: base.phases, poisson: true }
}

/**
 * A ramp of virtual users for the closed model: from `from` to `to` calls in flight over `durationMs`
 * (the same profile shape as the rates; `stepRates`, `constantRate` and `ratePhases` work for users too).
 *
 * @example
 * // ramp from 0 to 50 users over 10 s, then hold 50 for 20 s
 * load(task, { concurrency: ratePhases(rampUsers(0, 50, 10_000), constantRate(50, 20_000)) })
 */
export function rampUsers(from: number, to: number, durationMs: number): ArrivalRate {
  checkNumber(from, 'from', { unit: 'users', min: 0 }, rampUsers)
  checkNumber(to, 'to', { unit: 'users', min: 0 }, rampUsers)
  checkNumber(durationMs, 'durationMs', DURATION, rampUsers)
  return { phases: [{ shape: 'ramp', from, to, durationMs }], poisson: false }
}

/**
 * The value of a profile `t` ms into it (arrivals per second, or users); 0 once it has ended.
 *
 * @example
 * profileValueAt(rampUsers(0, 50, 10_000), 5_000) // 25
 */
export function profileValueAt(profile: ArrivalRate, t: number): number {
  let start = 0
  for (const p of profile.phases) {
    if (t < start + p.durationMs) {
      const f = Number.isFinite(p.durationMs) ? (t - start) / p.durationMs : 0
      if (p.shape === 'ramp') return p.from + (p.to - p.from) * f
      if (p.shape === 'exponential') return p.from * (p.to / p.from) ** f
      return p.from
    }
    start += p.durationMs
  }
  return 0
}

/**
 * The highest value a profile reaches.
 *
 * @example
 * profilePeak(rampUsers(0, 50, 10_000)) // 50
 */
export function profilePeak(profile: ArrivalRate): number {
  return Math.max(0, ...profile.phases.flatMap((p) => [p.from, p.to]))
}

/**
 * Total length of a profile (ms); Infinity when its last phase is open.
 *
 * @example
 * rateDuration(stepRates([10, 20], 1_000)) // 2000
 */
export function rateDuration(rate: ArrivalRate): number {
  return rate.phases.reduce((sum, p) => sum + p.durationMs, 0)
}

/** Expected arrivals in the first `t` ms of a phase (the integral of its rate). */
function cumulative(p: RatePhase, t: number): number {
  const a = p.from / 1000
  const b = p.to / 1000
  if (p.shape === 'ramp') return a * t + ((b - a) * t * t) / (2 * p.durationMs)
  if (p.shape === 'exponential' && a !== b) {
    const g = Math.log(b / a) / p.durationMs
    return (a * Math.expm1(g * t)) / g
  }
  return a * t
}

/** When (ms into the phase) the `n`-th expected arrival of a phase falls: the inverse of `cumulative`. */
function inverse(p: RatePhase, n: number): number {
  if (n <= 0) return 0
  const a = p.from / 1000
  const b = p.to / 1000
  if (p.shape === 'ramp') {
    const k = (b - a) / p.durationMs
    // 2n / (a + sqrt(a² + 2kn)): the stable root of k/2·t² + a·t − n = 0, also when k is ~0 or < 0.
    return (2 * n) / (a + Math.sqrt(Math.max(0, a * a + 2 * k * n)))
  }
  if (p.shape === 'exponential' && a !== b) {
    const g = Math.log(b / a) / p.durationMs
    return Math.log1p((g * n) / a) / g
  }
  return n / a
}

/**
 * The intended start times (ms from the start of the run) of a profile's arrivals, ending at `untilMs`.
 * Evenly spaced arrivals are the points where the expected count crosses 0, 1, 2...; Poisson arrivals
 * are a unit-rate Poisson process mapped through the same curve, so any profile can be Poisson.
 *
 * @example
 * const next = arrivalSchedule(constantRate(1000), createRandom(1), 10)
 * next() // 0, then 1, 2, ... 9, then undefined
 */
export function arrivalSchedule(
  rate: ArrivalRate,
  random: Random,
  untilMs: number,
): () => number | undefined {
  let phaseIndex = 0
  let phaseStart = 0
  let before = 0 // expected arrivals in the phases already passed
  let target = rate.poisson ? random.exponential(1) : 0
  return () => {
    for (;;) {
      const phase = rate.phases[phaseIndex]
      if (!phase || phaseStart >= untilMs) return undefined
      const total = Number.isFinite(phase.durationMs)
        ? cumulative(phase, phase.durationMs)
        : Number.POSITIVE_INFINITY
      const local = target - before
      if (local < total && (phase.from > 0 || phase.to > 0)) {
        // Rounding may put the last arrival of a phase a hair past its end; keep it in the phase.
        const t = phaseStart + Math.min(inverse(phase, local), phase.durationMs)
        if (t >= untilMs) return undefined
        target += rate.poisson ? random.exponential(1) : 1
        return t
      }
      if (!Number.isFinite(total)) return undefined
      before += total
      phaseStart += phase.durationMs
      phaseIndex++
    }
  }
}

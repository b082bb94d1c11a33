// What an upstream stub does with each request, and the checks on it, so a typo is an error naming the field.
import {
  type Callee,
  checkLatency,
  checkNumber,
  checkOneOf,
  checkSeed,
  FaultlineArgumentError,
  type LatencyDistribution,
  optionalNumber,
} from '@faultline/core'

/**
 * Answers normally: `status` (200) with `body` (a string, or JSON for an object), after `delay`: fixed ms,
 * or drawn per request from a distribution (`{ kind: 'lognormal', median: 50, p99: 400 }`), seeded by `seed`.
 */
export interface OkBehaviour {
  readonly kind: 'ok'
  readonly status?: number
  readonly body?: string | object
  readonly headers?: Readonly<Record<string, string>>
  readonly delay?: number | LatencyDistribution
  /** The seed of a `delay` distribution (default: random); the same seed draws the same delays in turn. */
  readonly seed?: number
}

/** Accepts the connection and reads the request, and never answers: the client's timeout must act. */
export interface BlackHoleBehaviour {
  readonly kind: 'blackHole'
}

/**
 * Answers slowly: the headers after `headersAfter`, then the body trickled `chunkBytes` at a time every
 * `chunkInterval` (an LLM streaming a token a second). With `trickle: 'headers'` the status line and
 * headers trickle too, byte by byte (a slow-loris upstream: the client's headers timeout must act).
 */
export interface SlowBehaviour {
  readonly kind: 'slow'
  /** What trickles: the body only (default), or the headers and then the body. */
  readonly trickle?: 'body' | 'headers'
  readonly status?: number
  readonly headersAfter?: number
  readonly body?: string
  readonly chunkBytes?: number
  readonly chunkInterval?: number
}

/** Answers with an error status (500, 503, 429…), with `Retry-After` (seconds, or an HTTP date) if given. */
export interface StatusBehaviour {
  readonly kind: 'status'
  readonly status: number
  readonly retryAfter?: number | string
  readonly body?: string | object
  readonly headers?: Readonly<Record<string, string>>
}

/** Destroys the connection as the request arrives (the client sees ECONNRESET or `socket hang up`). */
export interface ResetBehaviour {
  readonly kind: 'reset'
}

/** A behaviour that does not change by itself. */
export type SteadyBehaviour =
  | OkBehaviour
  | BlackHoleBehaviour
  | SlowBehaviour
  | StatusBehaviour
  | ResetBehaviour

/** One phase of a flapping schedule: `behaviour` for `ms`. */
export interface FlappingPhase {
  readonly behaviour: SteadyBehaviour
  readonly ms: number
}

/**
 * Cycles through `phases` on a schedule, from when the behaviour was set: e.g. up 500 ms, down 500 ms.
 * A request gets the phase it arrives in. With `jitter`, each phase lasts its `ms` plus or minus up to
 * `jitter` ms (uniform, seeded by `seed`, at least 1 ms), so it does not lock into step with a client's
 * timer (a breaker's half-open delay).
 */
export interface FlappingBehaviour {
  readonly kind: 'flapping'
  readonly phases: readonly FlappingPhase[]
  /** Up to this many ms more or less for each phase, drawn per phase (default 0: strictly periodic). */
  readonly jitter?: number
  /** The seed of the jitter (default: random); the same seed gives the same phase lengths. */
  readonly seed?: number
}

/**
 * A rate limiter in front of the upstream: `limit` requests per fixed `window` (ms, from when the behaviour
 * was set), per value of the `key` header (one bucket for every caller without it); past it, `status`
 * (429) with `Retry-After`: the whole seconds until the window ends, at least 1.
 */
export interface RateLimitBehaviour {
  readonly kind: 'rateLimit'
  readonly limit: number
  readonly window: number
  /** A request header whose value keys the buckets, e.g. `x-api-key` (default: one bucket for all). */
  readonly key?: string
  /** What a request within the limit gets (default `{ kind: 'ok' }`). */
  readonly allowed?: SteadyBehaviour
  /** The status of a request over the limit (default 429). */
  readonly status?: number
}

/** Everything an upstream stub can do. */
export type UpstreamBehaviour = SteadyBehaviour | FlappingBehaviour | RateLimitBehaviour

const STEADY = ['ok', 'blackHole', 'slow', 'status', 'reset'] as const
const KINDS = [...STEADY, 'flapping', 'rateLimit'] as const

function fail(argument: string, message: string, callee: Callee): never {
  throw new FaultlineArgumentError(argument, message, callee)
}

function duration(value: unknown, argument: string, callee: Callee): void {
  optionalNumber(value, argument, { unit: 'ms', min: 0 }, undefined, callee)
}

const STATUS = { integer: true, min: 100, max: 599 } as const

function status(value: unknown, argument: string, callee: Callee): void {
  optionalNumber(value, argument, STATUS, undefined, callee)
}

/**
 * Throws a `FaultlineArgumentError` naming the first wrong field of `behaviour`.
 *
 * @example
 * checkBehaviour({ kind: 'status', status: 429, retryAfter: 2 }) // fine
 * checkBehaviour({ kind: 'blackhole' }) // throws: unknown behaviour "blackhole"; use one of ok, blackHole, …
 */
export function checkBehaviour(
  behaviour: unknown,
  argument = 'behaviour',
  callee: Callee = checkBehaviour,
  steadyOnly = false,
): asserts behaviour is UpstreamBehaviour {
  const kinds: readonly string[] = steadyOnly ? STEADY : KINDS
  if (typeof behaviour !== 'object' || behaviour === null) {
    fail(argument, `must be an object with a kind (${kinds.join(', ')})`, callee)
  }
  const b = behaviour as Record<string, unknown>
  if (!kinds.includes(b.kind as string)) {
    const nested = steadyOnly && b.kind === 'flapping' ? ' (a flapping phase cannot flap itself)' : ''
    fail(
      `${argument}.kind`,
      `unknown behaviour ${JSON.stringify(b.kind)}${nested}; use one of ${kinds.join(', ')}`,
      callee,
    )
  }
  switch (b.kind) {
    case 'ok':
      status(b.status, `${argument}.status`, callee)
      if (b.delay !== undefined) checkLatency(b.delay, `${argument}.delay`, callee)
      checkSeed(b.seed, `${argument}.seed`, callee)
      break
    case 'slow':
      status(b.status, `${argument}.status`, callee)
      duration(b.headersAfter, `${argument}.headersAfter`, callee)
      checkOneOf(b.trickle, ['body', 'headers'], `${argument}.trickle`, 'body', callee)
      duration(b.chunkInterval, `${argument}.chunkInterval`, callee)
      optionalNumber(b.chunkBytes, `${argument}.chunkBytes`, { integer: true, min: 1 }, undefined, callee)
      break
    case 'status':
      if (b.status === undefined)
        fail(`${argument}.status`, 'is required, e.g. { kind: "status", status: 503 }', callee)
      checkNumber(b.status, `${argument}.status`, STATUS, callee)
      if (b.retryAfter !== undefined) {
        const r = b.retryAfter
        const ok =
          typeof r === 'string' ? r.length > 0 : typeof r === 'number' && Number.isInteger(r) && r >= 0
        if (!ok)
          fail(
            `${argument}.retryAfter`,
            `must be whole seconds >= 0 or an HTTP date, got ${String(r)}`,
            callee,
          )
      }
      break
    case 'flapping': {
      const phases = b.phases
      if (!Array.isArray(phases) || phases.length === 0) {
        fail(`${argument}.phases`, 'must be a non-empty array of { behaviour, ms }', callee)
      }
      phases.forEach((phase: unknown, i: number) => {
        const p = (phase ?? {}) as Record<string, unknown>
        checkNumber(p.ms, `${argument}.phases[${i}].ms`, { unit: 'ms', min: 1 }, callee)
        checkBehaviour(p.behaviour, `${argument}.phases[${i}].behaviour`, callee, true)
      })
      duration(b.jitter, `${argument}.jitter`, callee)
      checkSeed(b.seed, `${argument}.seed`, callee)
      break
    }
    case 'rateLimit':
      checkNumber(b.limit, `${argument}.limit`, { integer: true, min: 0, unit: 'requests' }, callee)
      checkNumber(b.window, `${argument}.window`, { unit: 'ms', above: 0 }, callee)
      if (b.key !== undefined && (typeof b.key !== 'string' || b.key === '')) {
        fail(
          `${argument}.key`,
          `must be a request header name such as 'x-api-key', got ${String(b.key)}`,
          callee,
        )
      }
      if (b.allowed !== undefined) checkBehaviour(b.allowed, `${argument}.allowed`, callee, true)
      status(b.status, `${argument}.status`, callee)
      break
  }
}

/** The steady behaviour in force `elapsedMs` after a strictly periodic flapping schedule started. */
export function phaseAt(behaviour: SteadyBehaviour | FlappingBehaviour, elapsedMs: number): SteadyBehaviour {
  if (behaviour.kind !== 'flapping') return behaviour
  const cycle = behaviour.phases.reduce((sum, p) => sum + p.ms, 0)
  let t = elapsedMs % cycle
  for (const phase of behaviour.phases) {
    if (t < phase.ms) return phase.behaviour
    t -= phase.ms
  }
  // Unreachable for a valid schedule; the last phase keeps floating-point edges safe.
  return behaviour.phases[behaviour.phases.length - 1]!.behaviour
}

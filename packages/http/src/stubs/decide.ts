// Which steady behaviour a request gets, for behaviours with state: a flapping schedule with jitter (its
// phase lengths drawn as time passes), a rate limiter (its buckets), an answer's delay drawn from a
// distribution. One decider per `set()`, so a new behaviour starts from a clean state.
import type { IncomingHttpHeaders } from 'node:http'
import { createRandom, drawLatency, type Random } from '@faultline/core'
import {
  type FlappingBehaviour,
  type OkBehaviour,
  phaseAt,
  type RateLimitBehaviour,
  type SteadyBehaviour,
  type UpstreamBehaviour,
} from './behaviour.js'

/** Picks the steady behaviour of a request arriving `elapsedMs` after the behaviour was set. */
export type Decide = (elapsedMs: number, headers: IncomingHttpHeaders) => SteadyBehaviour

/**
 * The decider of `behaviour`.
 *
 * @example
 * const decide = decider({ kind: 'rateLimit', limit: 2, window: 1_000 })
 * decide(0, {}).kind // 'ok'
 */
export function decider(behaviour: UpstreamBehaviour): Decide {
  const pick = picker(behaviour)
  // One seeded source per `ok` behaviour with a delay distribution: its draws follow the requests' order.
  const randoms = new Map<OkBehaviour, Random>()
  return (elapsedMs, headers) => {
    const steady = pick(elapsedMs, headers)
    if (steady.kind !== 'ok' || steady.delay === undefined || typeof steady.delay === 'number') return steady
    let random = randoms.get(steady)
    if (!random) {
      random = createRandom(steady.seed)
      randoms.set(steady, random)
    }
    return { ...steady, delay: drawLatency(steady.delay, random) }
  }
}

function picker(behaviour: UpstreamBehaviour): Decide {
  if (behaviour.kind === 'rateLimit') return rateLimiter(behaviour)
  if (behaviour.kind === 'flapping' && (behaviour.jitter ?? 0) > 0) return jitteredFlapping(behaviour)
  return (elapsedMs) => phaseAt(behaviour, elapsedMs)
}

// Phase lengths are drawn one after the other as requests arrive (elapsed times only grow), so the
// schedule is the same for a seed however the requests fall. Bounded: each request draws only the phases
// that ended since the previous one.
function jitteredFlapping(behaviour: FlappingBehaviour): Decide {
  const random: Random = createRandom(behaviour.seed)
  const jitter = behaviour.jitter ?? 0
  const phases = behaviour.phases
  let index = 0
  let end = length(0)
  function length(i: number): number {
    const ms = phases[i % phases.length]?.ms ?? 1
    return Math.max(1, ms + (random.next() * 2 - 1) * jitter)
  }
  return (elapsedMs) => {
    while (elapsedMs >= end) {
      index++
      end += length(index)
    }
    return (phases[index % phases.length] ?? phases[0])!.behaviour
  }
}

function rateLimiter(behaviour: RateLimitBehaviour): Decide {
  const allowed: SteadyBehaviour = behaviour.allowed ?? { kind: 'ok' }
  const header = behaviour.key?.toLowerCase()
  let window = -1
  const counts = new Map<string, number>()
  return (elapsedMs, headers) => {
    const current = Math.floor(elapsedMs / behaviour.window)
    if (current !== window) {
      // A new window: every bucket starts again (and the map holds one window's callers only).
      window = current
      counts.clear()
    }
    const value = header === undefined ? '' : headers[header]
    const key = Array.isArray(value) ? value.join(',') : (value ?? '')
    const n = (counts.get(key) ?? 0) + 1
    counts.set(key, n)
    if (n <= behaviour.limit) return allowed
    const endsInMs = (current + 1) * behaviour.window - elapsedMs
    return {
      kind: 'status',
      status: behaviour.status ?? 429,
      retryAfter: Math.max(1, Math.ceil(endsInMs / 1000)),
    }
  }
}

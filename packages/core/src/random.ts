import { randomInt } from 'node:crypto'

/** A seeded source of uniform numbers, so a run that used randomness can be replayed from its seed. */
export interface Random {
  /** The seed this source started from; print it with any result that depended on it. */
  readonly seed: number
  /** A uniform number in [0, 1). */
  next(): number
  /** An exponentially distributed number with the given mean (inter-arrival times of a Poisson process). */
  exponential(mean: number): number
}

/**
 * A fresh 32-bit seed from the OS, for runs that were not given one (the report still records it).
 *
 * @example
 * const seed = randomSeed() // print it, replay with createRandom(seed)
 */
export function randomSeed(): number {
  return randomInt(0, 2 ** 32)
}

/**
 * A small, fast, seeded PRNG (sfc32, seeded through splitmix32). Not for cryptography.
 *
 * @example
 * const random = createRandom(42)
 * random.next() // same sequence for seed 42 on every machine
 */
export function createRandom(seed: number = randomSeed()): Random {
  // splitmix32 spreads a small integer seed over the 128-bit state, so seeds 1 and 2 diverge at once.
  let s = seed >>> 0
  const split = (): number => {
    s = (s + 0x9e3779b9) | 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split()
  let b = split()
  let c = split()
  let d = split()
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  // The first outputs of a fresh state are correlated with the seed; discard a few.
  for (let i = 0; i < 12; i++) next()
  return {
    seed: seed >>> 0,
    next,
    exponential: (mean) => -Math.log(1 - next()) * mean,
  }
}

/**
 * Mixes integers into one 32-bit seed (a murmur3 step per part), so nearby keys give unrelated streams.
 * Use it to derive the seed of one stream per key from a run's seed, when draws must not depend on the
 * order keys are served in (e.g. one stream per connection of a proxy fault).
 *
 * @example
 * const random = createRandom(mixSeed(fault.seed, connection.id))
 */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x811c9dc5
  for (const part of parts) {
    let k = Math.imul(part >>> 0, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    h ^= Math.imul(k, 0x1b873593)
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

// Seeded randomness for per-connection choices and jitter. Small on purpose: the proxy must draw the same
// numbers for the same (seed, fault, connection) whatever order connections are served in, so every draw is
// keyed by those numbers instead of coming from one shared stream.

/** A function returning uniform numbers in [0, 1). */
export type Random = () => number

/** mulberry32: a tiny, fast 32-bit PRNG, good enough for test scheduling (not for cryptography). */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Mixes integers into one 32-bit seed (murmur3 finalizer per part), so nearby keys give unrelated streams. */
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

/** A random 32-bit seed for runs that did not ask for one; the proxy reports it so the run can be replayed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0
}

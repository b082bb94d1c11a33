// Pairs of faults, searched with fast-check: a single point (a fault at a message of the recording run),
// then a second fault at a message that point's run sent later — a retry, a compensation, a reconnect only
// exist after a first fault. A pair is plain numbers (which point, which later message, which fault), so
// fast-check samples them from the seed and shrinks a failing pair to the smallest: the earliest first
// point, the earliest second message.
import fc from 'fast-check'
import type { PointOutcome } from './explore.js'
import { type ExploredMessage, type ExploreFaultKind, type ExplorePoint, pointId } from './points.js'
import type { FaultAt } from './run.js'

/** A point whose run the search can put a second fault into. */
export interface FirstPoint {
  readonly point: ExplorePoint
  readonly at: FaultAt
  /** The messages its run sent after the fault, and how many that run sent in all. */
  readonly later: readonly ExploredMessage[]
  readonly total: number
}

/** One explored pair of faults. */
export interface PairResult {
  /** `cut@Q#2+cut@Q#6`: replay it alone with `replay`. */
  readonly id: string
  readonly points: readonly [ExplorePoint, ExplorePoint]
  readonly outcome: PointOutcome
  readonly finding: string | undefined
  readonly error: string | undefined
  readonly seed: number
}

/** Options of the search over pairs of faults. */
export interface CombinationOptions {
  /** How many pairs fast-check samples at most (shrinking a failure runs more). Default 50. */
  runs?: number
  /** The time budget of the search, in ms; it stops there and says how much it covered. Default 60 000. */
  within?: number
}

/** What the search over pairs found. */
export interface CombinationsResult {
  /** How many pairs exist: for each single point, its run's later messages times the faults. */
  readonly space: number
  /** The distinct pairs run (a pair sampled twice runs once). */
  readonly explored: number
  readonly counts: Readonly<Record<PointOutcome, number>>
  /** The smallest failing pair, after shrinking; undefined when none failed. */
  readonly failure: PairResult | undefined
  /** How many shrinking steps led to `failure`. */
  readonly shrinks: number
  /** The time budget cut the search short. */
  readonly interrupted: boolean
  /** Why no pair was searched, if none was (a single fault already fails, no message follows any point). */
  readonly skipped: string | undefined
}

/** The id of a pair: its two point ids joined by `+`. */
export const pairId = (first: FaultAt, second: FaultAt): string =>
  `${pointId(first.fault, first.kind, first.occurrence)}+${pointId(second.fault, second.kind, second.occurrence)}`

/** No search: says why. */
export function skippedCombinations(reason: string): CombinationsResult {
  return {
    space: 0,
    explored: 0,
    counts: { ok: 0, failed: 0, indeterminate: 0, notReached: 0 },
    failure: undefined,
    shrinks: 0,
    interrupted: false,
    skipped: reason,
  }
}

/**
 * Samples pairs with fast-check from `seed`, runs each distinct one once through `run`, and shrinks a
 * failing pair. Bounded by `runs` samples and `within` ms.
 */
export async function searchPairs(
  firsts: readonly FirstPoint[],
  faults: readonly ExploreFaultKind[],
  options: { runs: number; within: number; seed: number },
  run: (first: FirstPoint, second: FaultAt, message: ExploredMessage) => Promise<PairResult>,
): Promise<CombinationsResult> {
  const space = firsts.reduce((n, f) => n + f.later.length * faults.length, 0)
  if (space === 0) return skippedCombinations('no point is followed by another message in its run')
  const longest = Math.max(...firsts.map((f) => f.later.length))
  const pairs = fc
    .record({
      first: fc.nat({ max: firsts.length - 1 }),
      later: fc.nat({ max: longest - 1 }),
      fault: fc.nat({ max: faults.length - 1 }),
    })
    .filter((p) => p.later < firsts[p.first]!.later.length)
  const seen = new Map<string, PairResult>()
  const details = await fc.check(
    fc.asyncProperty(pairs, async (p) => {
      const first = firsts[p.first]!
      const message = first.later[p.later]!
      const second: FaultAt = { fault: faults[p.fault]!, kind: message.kind, occurrence: message.occurrence }
      const id = pairId(first.at, second)
      let result = seen.get(id)
      if (result === undefined) {
        result = await run(first, second, message)
        seen.set(id, result)
      }
      return result.outcome !== 'failed'
    }),
    {
      seed: options.seed | 0,
      numRuns: options.runs,
      interruptAfterTimeLimit: options.within,
      markInterruptAsFailure: false,
    },
  )
  const results = [...seen.values()]
  const count = (outcome: PointOutcome) => results.filter((r) => r.outcome === outcome).length
  let failure: PairResult | undefined
  if (details.failed && details.counterexample !== null) {
    const [p] = details.counterexample
    const first = firsts[p.first]!
    const message = first.later[p.later]!
    failure = seen.get(
      pairId(first.at, { fault: faults[p.fault]!, kind: message.kind, occurrence: message.occurrence }),
    )
  }
  return {
    space,
    explored: seen.size,
    counts: {
      ok: count('ok'),
      failed: count('failed'),
      indeterminate: count('indeterminate'),
      notReached: count('notReached'),
    },
    failure,
    shrinks: details.numShrinks,
    interrupted: details.interrupted,
    skipped: undefined,
  }
}

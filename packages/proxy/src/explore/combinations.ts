// Schedules of several faults, searched with fast-check: a single point (a fault at a message of the
// recording run), then a second fault at a message that point's run sent later — a retry, a compensation,
// a reconnect only exist after a first fault — then, up to `size`, a third at a message the two-fault run
// sent later, and so on. A schedule is plain numbers (which point, then which later message and which
// fault at each step), so fast-check samples them from the seed and shrinks a failing one to the smallest:
// the fewest faults, the earliest first point, the earliest later messages.
import fc from 'fast-check'
import type { PointOutcome } from './explore.js'
import { type ExploredMessage, type ExploreFaultKind, type ExplorePoint, pointId } from './points.js'
import type { FaultAt } from './run.js'

/** A point whose run the search can put more faults into. */
export interface FirstPoint {
  readonly point: ExplorePoint
  readonly at: FaultAt
  /** Every message its run sent. */
  readonly messages: readonly ExploredMessage[]
}

/** One explored schedule of faults. */
export interface ScheduleResult {
  /** `cut@Q#2+cut@Q#6`: replay it alone with `replay`. */
  readonly id: string
  /** Its faults in order; from the second on, each message is the one the previous run sent later. */
  readonly points: readonly ExplorePoint[]
  readonly outcome: PointOutcome
  readonly finding: string | undefined
  readonly error: string | undefined
  readonly seed: number
}

/** Options of the search over schedules of several faults. */
export interface CombinationOptions {
  /** The most faults in one schedule, 2 to 4. Default 2 (pairs). */
  size?: number
  /** How many schedules fast-check samples at most (shrinking a failure runs more). Default 50. */
  runs?: number
  /** The time budget of the search, in ms; it stops there and says how much it covered. Default 60 000. */
  within?: number
}

/** What the search over schedules found. */
export interface CombinationsResult {
  /** The most faults in one schedule. */
  readonly size: number
  /**
   * How many pairs exist (each single point's later messages times the faults). Longer schedules are only
   * known as runs reveal them.
   */
  readonly pairs: number
  /** The distinct schedules run (one sampled twice runs once). */
  readonly explored: number
  readonly counts: Readonly<Record<PointOutcome, number>>
  /** The smallest failing schedule, after shrinking; undefined when none failed. */
  readonly failure: ScheduleResult | undefined
  /** How many shrinking steps led to `failure`. */
  readonly shrinks: number
  /** The time budget cut the search short. */
  readonly interrupted: boolean
  /** Why no schedule was searched, if none was (a single fault already fails, no message follows any point). */
  readonly skipped: string | undefined
}

/** A run of a schedule, as the search needs it: its result and the messages it sent. */
export interface ScheduleRun {
  readonly result: ScheduleResult
  readonly messages: readonly ExploredMessage[]
}

/** The id of a schedule: its point ids joined by `+`. */
export const scheduleId = (at: readonly FaultAt[]): string =>
  at.map((f) => pointId(f.fault, f.kind, f.occurrence)).join('+')

/** No search: says why. */
export function skippedCombinations(size: number, reason: string): CombinationsResult {
  return {
    size,
    pairs: 0,
    explored: 0,
    counts: { ok: 0, failed: 0, indeterminate: 0, notReached: 0 },
    failure: undefined,
    shrinks: 0,
    interrupted: false,
    skipped: reason,
  }
}

interface Sample {
  readonly first: number
  readonly steps: readonly { readonly later: number; readonly fault: number }[]
}

const at = (message: ExploredMessage, fault: ExploreFaultKind): FaultAt => ({
  fault,
  kind: message.kind,
  occurrence: message.occurrence,
})

/**
 * Samples schedules with fast-check from `seed`, runs each distinct one once through `run` (a schedule's
 * prefixes first: their runs say which messages come later), and shrinks a failing one. Bounded by `runs`
 * samples and `within` ms.
 */
export async function searchSchedules(
  firsts: readonly FirstPoint[],
  faults: readonly ExploreFaultKind[],
  options: { size: number; runs: number; within: number; seed: number },
  run: (at: readonly FaultAt[], points: readonly ExplorePoint[]) => Promise<ScheduleRun>,
): Promise<CombinationsResult> {
  const laterOf = (messages: readonly ExploredMessage[], last: FaultAt) =>
    messages.slice(messages.findIndex((m) => m.kind === last.kind && m.occurrence === last.occurrence) + 1)
  const pairs = firsts.reduce((n, f) => n + laterOf(f.messages, f.at).length * faults.length, 0)
  if (pairs === 0)
    return skippedCombinations(options.size, 'no point is followed by another message in its run')
  const longest = Math.max(...firsts.map((f) => f.messages.length))
  const samples: fc.Arbitrary<Sample> = fc.record({
    first: fc.nat({ max: firsts.length - 1 }),
    steps: fc.array(
      fc.record({ later: fc.nat({ max: longest - 1 }), fault: fc.nat({ max: faults.length - 1 }) }),
      {
        minLength: 1,
        maxLength: options.size - 1,
      },
    ),
  })
  const seen = new Map<string, ScheduleRun>()

  // Walks a sample step by step, running what is not known yet (or, with `known`, only what is); answers
  // the first failing schedule on the way, or `undefined` when it holds or cannot be extended.
  const walk = async (sample: Sample, known = false): Promise<ScheduleResult | undefined> => {
    const first = firsts[sample.first]!
    let faultsSoFar: FaultAt[] = [first.at]
    let points: ExplorePoint[] = [first.point]
    let messages = first.messages
    for (const step of sample.steps) {
      const message = laterOf(messages, faultsSoFar.at(-1)!)[step.later]
      if (message === undefined) return undefined // that run sent fewer messages: nothing to put a fault at
      const next = at(message, faults[step.fault]!)
      faultsSoFar = [...faultsSoFar, next]
      points = [
        ...points,
        {
          id: pointId(next.fault, next.kind, next.occurrence),
          fault: next.fault,
          message,
          total: messages.length,
        },
      ]
      const id = scheduleId(faultsSoFar)
      let ran = seen.get(id)
      if (ran === undefined) {
        if (known) return undefined
        ran = await run(faultsSoFar, points)
        seen.set(id, ran)
      }
      if (ran.result.outcome === 'failed') return ran.result
      if (ran.result.outcome !== 'ok') return undefined // not reached or indeterminate: counted, not extended
      messages = ran.messages
    }
    return undefined
  }

  const details = await fc.check(
    fc.asyncProperty(samples, async (sample) => (await walk(sample)) === undefined),
    {
      seed: options.seed | 0,
      numRuns: options.runs,
      interruptAfterTimeLimit: options.within,
      markInterruptAsFailure: false,
    },
  )
  const results = [...seen.values()].map((r) => r.result)
  const count = (outcome: PointOutcome) => results.filter((r) => r.outcome === outcome).length
  const failure =
    details.failed && details.counterexample !== null
      ? await walk(details.counterexample[0], true)
      : undefined
  // A run that threw (a fresh state that could not be made, a proxy that could not start) is no verdict.
  // (A search the budget interrupted before its first sample reports failed too, without an error.)
  if (details.failed && failure === undefined && details.errorInstance instanceof Error) {
    throw details.errorInstance
  }
  return {
    size: options.size,
    pairs,
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

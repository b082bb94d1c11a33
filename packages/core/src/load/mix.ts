import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import type { Random } from '../random.js'
import { type Callee, checkFunction, checkNumber } from '../validate.js'
import type { LoadTarget, LoadTask } from './task.js'

/** The task picked for one call. */
export interface Pick {
  readonly tag: string | undefined
  readonly run: LoadTask
}

/** Picks the task of each call: the only one, or one of a weighted mix by a seeded draw. */
export interface TaskMix {
  pick(random: Random): Pick
}

/**
 * Checks a load target and builds its picker.
 *
 * @example
 * const mix = createMix([{ tag: 'read', weight: 9, run: read }, { tag: 'write', weight: 1, run: write }])
 * mix.pick(createRandom(1)).tag // 'read' 90 % of the time
 */
export function createMix(target: LoadTarget, callee?: Callee): TaskMix {
  if (typeof target === 'function') {
    const only: Pick = { tag: undefined, run: target }
    return { pick: () => only }
  }
  if (!Array.isArray(target) || target.length === 0) {
    throw new FaultlineArgumentError(
      'target',
      `expected a function or a non-empty array of { tag, weight, run }, got ${describeValue(target)}`,
      callee,
    )
  }
  const picks: Pick[] = []
  const cumulative: number[] = []
  const seen = new Set<string>()
  let total = 0
  target.forEach((task, i) => {
    const { tag, weight, run } = task ?? {}
    if (typeof tag !== 'string' || tag === '' || seen.has(tag)) {
      throw new FaultlineArgumentError(
        `target[${i}].tag`,
        `expected a non-empty string no other task has, got ${describeValue(tag)}`,
        callee,
      )
    }
    checkNumber(weight, `target[${i}].weight`, { above: 0 }, callee)
    checkFunction(run, `target[${i}].run`, {}, callee)
    seen.add(tag)
    total += weight
    picks.push({ tag, run })
    cumulative.push(total)
  })
  return {
    pick(random) {
      const x = random.next() * total
      // Mixes are a handful of tasks: a linear scan beats a binary search here.
      for (let i = 0; i < cumulative.length; i++) if (x < cumulative[i]!) return picks[i]!
      return picks[picks.length - 1]!
    },
  }
}

import { describeValue, FaultlineArgumentError, formatCount, formatSeconds } from '@faultline/core'
import {
  type CombinationsResult,
  describePoint,
  type ExploreOperation,
  type ExploreOptions,
  type ExplorePoint,
  type ExploreResult,
  type ExploreState,
  explore,
} from '@faultline/proxy'
import type { MatcherState } from 'vitest'
import { type VerdictResult, verdict } from './message.js'

/** A service that hands out fresh copies of its state: `services.postgres()`, `.redis()`, `.rabbitmq()`. */
export interface IsolatingService<S extends ExploreState = ExploreState> {
  isolate(): Promise<S>
}

/** Options of `toSurviveEveryFault`: explore's options, with the service to take fresh states from. */
export interface SurviveEveryFaultOptions<S extends ExploreState = ExploreState>
  extends Omit<ExploreOptions<S>, 'fresh'> {
  /** Each run gets a fresh state from it: a database copied from the template, a key space, a vhost. */
  service?: IsolatingService<S>
  /** Or a factory of fresh states of your own. */
  fresh?: ExploreOptions<S>['fresh']
}

const plural = (n: number, word: string) => `${formatCount(n)} ${n === 1 ? word : `${word}s`}`

/** What was explored, in one line: the outcomes, the runs, the seed, the time. */
function coverage(result: ExploreResult): string {
  const { ok, failed, indeterminate, notReached, unexplored } = result.counts
  const explored = result.points.length
  const parts = [
    `${formatCount(failed)} failed`,
    `${formatCount(ok)} ok`,
    `${formatCount(indeterminate)} indeterminate`,
    `${formatCount(notReached)} not reached`,
  ]
  const cut =
    unexplored > 0 ? `, ${formatCount(unexplored)} left unexplored (the time budget, within, ran out)` : ''
  return (
    `${plural(explored, 'point')} explored (${parts.join(', ')})${cut}: ` +
    (result.replay === undefined
      ? `${result.faults.join(', ')} at each of ${plural(result.messages.length, 'client message')}, `
      : `the replayed point alone (the recording sent ${plural(result.messages.length, 'client message')}), `) +
    `${plural(explored, 'run')} on fresh states + 1 recording run (seed ${result.seed}, ${formatSeconds(result.durationMs)} s)`
  )
}

function outcomeLines(found: { finding: string | undefined; error: string | undefined }): string[] {
  return [
    // A check that threw or could not read the state says so itself.
    found.finding?.startsWith('the check ') === true ? `${found.finding}` : `found ${found.finding}`,
    found.error === undefined ? 'the operation resolved' : `the operation threw: ${found.error}`,
  ]
}

/** What the search over schedules covered: distinct schedules of the space, the budget, the shrinking. */
function scheduleCoverage(schedules: CombinationsResult, seed: number): string {
  const what = schedules.size === 2 ? 'pairs of faults' : `schedules of 2 to ${schedules.size} faults`
  if (schedules.skipped !== undefined) return `${what}: not searched (${schedules.skipped})`
  const { ok, failed, indeterminate, notReached } = schedules.counts
  const share = schedules.pairs === 0 ? 0 : Math.round((schedules.explored / schedules.pairs) * 1000) / 10
  const space =
    schedules.size === 2
      ? `${formatCount(schedules.explored)} of ${formatCount(schedules.pairs)} run (${share} % of the space, `
      : `${formatCount(schedules.explored)} run (of ${formatCount(schedules.pairs)} pairs and the longer schedules their runs lead to; `
  return (
    `${what}: ${space}sampled by fast-check, seed ${seed}: ` +
    `${formatCount(failed)} failed, ${formatCount(ok)} ok, ${formatCount(indeterminate)} indeterminate, ${formatCount(notReached)} not reached)` +
    (schedules.failure !== undefined
      ? `, shrunk ${plural(schedules.shrinks, 'time')} to this ${schedules.failure.points.length === 2 ? 'pair' : 'schedule'}`
      : '') +
    (schedules.interrupted ? '; the time budget (combinations.within) cut the search short' : '')
  )
}

/** A schedule in words: each fault, the later ones as the run before them saw their message. */
function describeSchedule(points: readonly ExplorePoint[], delay: number): string {
  return points.map((p, i) => `${i === 0 ? '' : 'then in that run '}${describePoint(p, delay)}`).join(', ')
}

function hintsFor(result: ExploreResult, found: string | undefined): string[] {
  const hints: string[] = []
  if (found !== undefined && result.property === 'atomicity' && /^partial/.test(found)) {
    hints.push(
      result.protocol === 'redis'
        ? 'part of the writes reached Redis before the fault: they were separate commands. Send them in one MULTI/EXEC (or a Lua script)'
        : 'part of the writes was committed before the fault: they ran in autocommit or in separate transactions. Run every statement in one transaction (BEGIN … COMMIT on one client)',
    )
  }
  if (found !== undefined && result.property === 'atomicity' && /^nothing, although/.test(found)) {
    hints.push(
      'the operation reported success although nothing it wrote is there: a retry that gave up (or an error swallowed) must reach the caller',
    )
  }
  if (found !== undefined && result.property === 'no message lost') {
    hints.push(
      'a message was acknowledged before its work was durable: acknowledge only after the work is confirmed (a publisher confirm, a COMMIT)',
    )
  }
  if (result.counts.indeterminate > 0)
    hints.push(
      'an indeterminate run did not end within options.timeout: a client without a timeout hangs on a lost answer',
    )
  if (result.counts.unexplored > 0)
    hints.push('raise options.within, or explore fewer faults (options.faults)')
  return hints
}

/**
 * Explores every fault point of an operation (see `explore` in @faultline/proxy): a recording run lists the
 * client messages it sends, then a run on a fresh state per message and fault kind (default: cut before it
 * reaches the server, cut after the server received it), each judged by `check`. Passes when no point
 * failed, none was indeterminate and the whole space was explored; points a run never reached are counted,
 * not passed. A failure names the first failing point in words and how to replay it alone.
 *
 * @example
 * await expect(async ({ url }) => {
 *   const client = new pg.Client({ connectionString: url })
 *   client.on('error', () => {})
 *   await client.connect()
 *   try { await placeOrder(client) } finally { await client.end().catch(() => {}) }
 * }).toSurviveEveryFault({ service: services.postgres(), check: atomicity({ tables: ['orders', 'order_items'] }) })
 */
export async function toSurviveEveryFault(
  this: MatcherState,
  received: unknown,
  options: SurviveEveryFaultOptions,
): Promise<VerdictResult> {
  if (typeof received !== 'function') {
    throw new FaultlineArgumentError(
      'received',
      `toSurviveEveryFault expects the operation: expect(async ({ url }) => …), got ${describeValue(received)}`,
    )
  }
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError('options', `expected { service, check }, got ${describeValue(options)}`)
  }
  const { service, fresh: own, ...rest } = options
  if (
    (service === undefined) === (own === undefined) ||
    (service !== undefined && typeof service.isolate !== 'function')
  ) {
    throw new FaultlineArgumentError(
      'options.service',
      `expected a service handle that isolates, e.g. { service: services.postgres() }, or options.fresh (not both), got ${describeValue(service)}`,
    )
  }
  const fresh = own ?? (() => service!.isolate())
  const result = await explore(received as ExploreOperation, { ...rest, fresh })
  const first = result.firstFailure
  const stuck = result.points.find((p) => p.outcome === 'indeterminate')
  const pairs = result.combinations
  const pairFailure = pairs?.failure
  const pass =
    first === undefined &&
    stuck === undefined &&
    result.counts.unexplored === 0 &&
    pairFailure === undefined &&
    (pairs?.counts.indeterminate ?? 0) === 0
  const replay = (id: string) => `replay it alone: { replay: '${id}', seed: ${result.seed} }`
  const property = result.property ?? 'the check'
  const finding =
    first !== undefined
      ? `${property} broken at ${describePoint(first.point, result.delay)}`
      : stuck !== undefined
        ? `indeterminate at ${describePoint(stuck.point, result.delay)}: ${stuck.finding}`
        : result.counts.unexplored > 0
          ? `only ${plural(result.points.length, 'point')} of ${formatCount(result.points.length + result.counts.unexplored)} explored: the time budget ran out`
          : pairFailure !== undefined
            ? `${property} broken by ${pairFailure.points.length} faults: ${describeSchedule(pairFailure.points, result.delay)}`
            : (pairs?.counts.indeterminate ?? 0) > 0
              ? `indeterminate: ${plural(pairs!.counts.indeterminate, 'schedule')} of faults did not end within options.timeout`
              : `every explored point held${result.property === undefined ? '' : ` ${result.property}`}`
  const failing = result.points.filter((p) => p.outcome === 'failed').map((p) => p.point.id)
  const shown = first ?? pairFailure
  const lines = [
    ...(shown !== undefined ? outcomeLines(shown) : []),
    ...(result.points.length > 0 || pairs === undefined ? [coverage(result)] : []),
    ...(pairs !== undefined ? [scheduleCoverage(pairs, result.seed)] : []),
    ...(failing.length > 1
      ? [`failing points: ${failing.slice(0, 10).join(', ')}${failing.length > 10 ? ', …' : ''}`]
      : []),
    ...(first !== undefined
      ? [replay(first.point.id)]
      : stuck !== undefined
        ? [replay(stuck.point.id)]
        : pairFailure !== undefined
          ? [replay(pairFailure.id)]
          : []),
  ]
  const asked = [
    `faults: [${result.faults.map((f) => `'${f}'`).join(', ')}]`,
    ...(pairs !== undefined && result.replay === undefined
      ? [pairs.size === 2 ? 'combinations: true' : `combinations: { size: ${pairs.size} }`]
      : []),
    ...(result.replay === undefined ? [] : [`replay: '${result.replay}'`]),
  ]
  return verdict(this, {
    matcher: 'toSurviveEveryFault',
    subject: 'operation',
    args: `{ ${asked.join(', ')} }`,
    pass,
    finding,
    notExpected: 'a point that breaks it',
    lines,
    hints: hintsFor(result, shown?.finding),
    actual: result.counts,
  })
}

import {
  checkFunction,
  checkOneOf,
  checkSeed,
  describeValue,
  FaultlineArgumentError,
  FaultlineError,
  mixSeed,
  optionalNumber,
  randomSeed,
  type TimelineOptions,
} from '@faultline/core'
import { type ProtocolName, protocolNames } from '../protocols/types.js'
import {
  type CombinationOptions,
  type CombinationsResult,
  type ScheduleResult,
  type ScheduleRun,
  scheduleId,
  searchSchedules,
  skippedCombinations,
} from './combinations.js'
import {
  type ExploredMessage,
  type ExploreFaultKind,
  type ExplorePoint,
  exploreFaultKinds,
  parsePointId,
  pointId,
} from './points.js'
import {
  type ExploreOperation,
  type ExploreState,
  type FaultAt,
  type RunFacts,
  type RunSetup,
  runOnce,
  States,
} from './run.js'

/** A run as the check sees it. */
export interface JudgedRun<S extends ExploreState = ExploreState> {
  /** The run's state, still there (read it through `state.url`, not the proxy). */
  readonly state: S
  /** The point explored; undefined in the recording run (no fault). */
  readonly point: ExplorePoint | undefined
  /** What the operation threw; undefined when it resolved. */
  readonly error: unknown
  /** Whether the operation threw. */
  readonly rejected: boolean
  /** What the check's `read` returned before the operation ran, and after. */
  readonly before: unknown
  readonly after: unknown
  /** The recording run's `before` and `after` (what "nothing" and "all" look like); undefined in it. */
  readonly clean: { readonly before: unknown; readonly after: unknown } | undefined
}

/** A check's verdict on a run: nothing (or `undefined`) when the property holds, else what was found. */
// biome-ignore lint/suspicious/noConfusingVoidType: a judge written without a return statement returns void.
export type ExploreFinding = string | undefined | void

/**
 * The property each run is judged by. `read` (optional) reads what the property is about — the rows the
 * operation writes, the keys, the queue — before and after the operation; `judge` compares.
 */
export interface ExploreCheck<S extends ExploreState = ExploreState> {
  /** The property's name for messages, e.g. `atomicity`. */
  readonly name?: string
  read?(state: S): unknown
  judge(run: JudgedRun<S>): ExploreFinding | Promise<ExploreFinding>
}

/**
 * Options of {@link explore}. With `timeline`, each faulted run is a window on it, named after its point
 * (`explore inFlight@Q#1`), from the fault to the end of the run.
 */
export interface ExploreOptions<S extends ExploreState = ExploreState> extends TimelineOptions {
  /**
   * A fresh copy of the state for one run, e.g. `() => services.postgres().isolate()` (a database copied
   * from the template), `services.redis().isolate()`, `services.rabbitmq().isolate()`. Anything with the
   * service's `url`; disposed after the run when it has `[Symbol.asyncDispose]`.
   */
  fresh: () => Promise<S>
  /** Judges each run: a function (`judge`) or a check with a `read` step, such as a ready atomicity check. */
  check: ExploreCheck<S> | ExploreCheck<S>['judge']
  /** The faults to put at each boundary. Default `['cut', 'inFlight']`. */
  faults?: readonly ExploreFaultKind[]
  /** For `delay` points: how long answers wait, in ms; set it beyond the client's timeout. Default 2 000. */
  delay?: number
  /** How long one run may take before it is judged indeterminate, in ms. Default 10 000. */
  timeout?: number
  /** How long the service gets to finish with the run's connections before the state is read. Default 2 000. */
  settle?: number
  /** The budget of the whole exploration, in ms; points past it are counted unexplored. Default 120 000. */
  within?: number
  /**
   * Run only this point (an id from a result, e.g. `inFlight@Q#3`) or schedule (`cut@Q#2+cut@Q#6`), after
   * the recording run.
   */
  replay?: string
  /**
   * When every single point holds, search schedules of several faults too (a first fault, then a second at
   * a message its run sent later — a retry, a compensation — and so on up to `size`), sampled and shrunk by
   * fast-check from `seed`. `true` for the defaults (pairs, 50 samples, 60 s).
   */
  combinations?: boolean | CombinationOptions
  /** The protocol to frame, when the state's URL scheme does not say (`postgres`, `redis`, `amqp`). */
  protocol?: ProtocolName
  /** Seed of the proxies' random choices and of the search over pairs; random (and reported) if absent. */
  seed?: number
  /** Called after each point is judged, e.g. to log progress. */
  onPoint?: (result: PointResult) => void
}

/**
 * A point's outcome, the Jepsen way: `ok` (the property held), `failed` (it did not), `indeterminate` (the
 * run did not end within its timeout: nothing can be said), `notReached` (the run never sent the message:
 * not a pass).
 */
export type PointOutcome = 'ok' | 'failed' | 'indeterminate' | 'notReached'

/** One explored point. */
export interface PointResult {
  readonly point: ExplorePoint
  readonly outcome: PointOutcome
  /** What the check found (failed), or why nothing could be said (indeterminate). */
  readonly finding: string | undefined
  /** The first line of what the operation threw in this run, if it threw. */
  readonly error: string | undefined
  /** The message the fault acted at in this run (its text may differ from the recording's). */
  readonly reached: string | undefined
  /** The client messages this run sent. */
  readonly messages: readonly ExploredMessage[]
  /** The run's seed. */
  readonly seed: number
}

/** What an exploration found. */
export interface ExploreResult {
  /** The protocol explored: `postgres`, `redis` or `amqp`. */
  readonly protocol: ProtocolName
  /** The recording run's client messages: the boundaries. */
  readonly messages: readonly ExploredMessage[]
  /** Every explored point, in order (boundary by boundary, fault by fault). */
  readonly points: readonly PointResult[]
  /** The first failing point: the earliest boundary at which a single fault breaks the property. */
  readonly firstFailure: PointResult | undefined
  readonly counts: Readonly<Record<PointOutcome, number>> & {
    /** Points left out because `within` ran out. */
    readonly unexplored: number
  }
  readonly faults: readonly ExploreFaultKind[]
  readonly delay: number
  readonly seed: number
  /** The check's name, if it has one. */
  readonly property: string | undefined
  /** The point replayed alone, when `replay` was given. */
  readonly replay: string | undefined
  /** The search over schedules of faults, when `combinations` asked for it (or a schedule was replayed). */
  readonly combinations: CombinationsResult | undefined
  readonly durationMs: number
}

const MS = { unit: 'ms', above: 0 } as const

/**
 * Explores every fault point of an operation: a recording run through a proxy lists the client messages it
 * sends (PostgreSQL frontend messages, Redis commands, AMQP methods); then, for each message and each fault
 * asked for, a run on a fresh state with exactly that fault there; `check` judges each run. Boundaries are
 * matched by message kind and position (`the 3rd Q`), so SQL text, keys and ids may change between runs;
 * a point a run did not reach is reported `notReached`, never passed.
 *
 * @example
 * const result = await explore(
 *   async ({ url }) => {
 *     const client = new pg.Client({ connectionString: url })
 *     client.on('error', () => {})
 *     await client.connect()
 *     try {
 *       await placeOrder(client)
 *     } finally {
 *       await client.end().catch(() => {})
 *     }
 *   },
 *   { fresh: () => services.postgres().isolate(), check: atomicity({ tables: ['orders', 'order_items'] }) },
 * )
 * result.firstFailure?.point.id // 'inFlight@Q#1'
 */
export async function explore<S extends ExploreState>(
  operation: ExploreOperation<S>,
  options: ExploreOptions<S>,
): Promise<ExploreResult> {
  checkFunction(operation, 'operation', {}, explore)
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      `expected { fresh, check }, got ${describeValue(options)}`,
      explore,
    )
  }
  checkFunction(options.fresh, 'options.fresh', {}, explore)
  const check = asCheck(options.check)
  const faults = checkFaults(options.faults)
  const delay = optionalNumber(options.delay, 'options.delay', MS, 2_000, explore)
  const timeout = optionalNumber(options.timeout, 'options.timeout', MS, 10_000, explore)
  const settle = optionalNumber(options.settle, 'options.settle', { unit: 'ms', min: 0 }, 2_000, explore)
  const within = optionalNumber(options.within, 'options.within', MS, 120_000, explore)
  const protocol =
    options.protocol === undefined
      ? undefined
      : checkOneOf(options.protocol, protocolNames, 'options.protocol', undefined, explore)
  const seed = checkSeed(options.seed, 'options.seed', explore) ?? randomSeed()
  checkFunction(options.onPoint, 'options.onPoint', { optional: true }, explore)
  const replay = options.replay === undefined ? undefined : checkReplay(options.replay)
  const combinations = checkCombinations(options.combinations)
  const started = performance.now()
  const read = check.read === undefined ? undefined : (state: S) => check.read!(state)
  const states = new States(options.fresh)
  const setup: RunSetup<S> = { states, read, protocol, delay, timeout, settle, timeline: options.timeline }
  try {
    return await exploreWith(operation, setup, check, {
      faults,
      delay,
      timeout,
      within,
      seed,
      replay,
      combinations,
      started,
      onPoint: options.onPoint,
    })
  } finally {
    await states.close()
  }
}

/** The validated settings of one exploration. */
interface Settings {
  readonly faults: readonly ExploreFaultKind[]
  readonly delay: number
  readonly timeout: number
  readonly within: number
  readonly seed: number
  readonly replay: string | undefined
  readonly combinations: Required<CombinationOptions> | undefined
  readonly started: number
  readonly onPoint: ((result: PointResult) => void) | undefined
}

async function exploreWith<S extends ExploreState>(
  operation: ExploreOperation<S>,
  setup: RunSetup<S>,
  check: ExploreCheck<S>,
  settings: Settings,
): Promise<ExploreResult> {
  const { faults, delay, timeout, within, seed, replay, combinations, started } = settings

  // The recording run: no fault; it must succeed and hold the property, or there is nothing to explore.
  const recording = await runOnce(operation, setup, [], seed, (facts) =>
    judged(check, facts, undefined, undefined),
  )
  const clean = recording.facts
  if (clean.timedOut || clean.rejected) {
    throw new FaultlineError(
      'EXPLORE_CLEAN_RUN_FAILED',
      clean.timedOut
        ? `the operation did not end within ${timeout} ms on a fresh state without any fault; fix it or raise options.timeout`
        : `the operation failed on a fresh state without any fault: ${firstLine(clean.error)}; exploration needs an operation that succeeds`,
    )
  }
  if (recording.judged !== undefined) {
    throw new FaultlineError(
      'EXPLORE_CLEAN_RUN_FAILED',
      `the check failed on the run without any fault: ${recording.judged}; fix the operation or the check first`,
    )
  }
  if (clean.messages.length === 0) {
    throw new FaultlineError(
      'EXPLORE_NO_MESSAGES',
      "the operation sent no message through the proxy: connect the code under test with the context's url (`async ({ url }) => …`)",
    )
  }
  const total = clean.messages.length
  const cleanReads = { before: clean.before, after: clean.after }

  // One run with `at`'s faults, judged when every fault was reached.
  let runs = 0
  const runFaults = async (at: readonly FaultAt[], point: ExplorePoint) => {
    const runSeed = mixSeed(seed, ++runs)
    const { facts, judged: finding } = await runOnce(operation, setup, at, runSeed, (facts) =>
      facts.hits.includes(undefined) ? Promise.resolve(undefined) : judged(check, facts, point, cleanReads),
    )
    const outcome: PointOutcome = facts.timedOut
      ? 'indeterminate'
      : facts.hits.includes(undefined)
        ? 'notReached'
        : finding === undefined
          ? 'ok'
          : 'failed'
    return {
      facts,
      outcome,
      finding: facts.timedOut ? `the run did not end within ${timeout} ms` : finding,
      error: facts.rejected ? firstLine(facts.error) : undefined,
      seed: runSeed,
    }
  }
  const asPoint = (at: PlannedPoint, of = total): ExplorePoint => ({
    id: pointId(at.fault, at.kind, at.occurrence),
    fault: at.fault,
    message: at.message,
    total: of,
  })

  const schedule = replay?.includes('+') === true
  const points =
    replay === undefined
      ? allPoints(clean.messages, faults)
      : schedule
        ? []
        : [replayPoint(replay, clean.messages)]
  const results: PointResult[] = []
  let unexplored = 0
  for (const [i, at] of points.entries()) {
    if (performance.now() - started >= within) {
      unexplored = points.length - i
      break
    }
    const point = asPoint(at)
    const ran = await runFaults([at], point)
    const result: PointResult = {
      point,
      outcome: ran.outcome,
      finding: ran.finding,
      error: ran.error,
      reached: ran.facts.hits[0]?.text,
      messages: ran.facts.messages,
      seed: ran.seed,
    }
    results.push(result)
    settings.onPoint?.(result)
  }
  const count = (outcome: PointOutcome) => results.filter((r) => r.outcome === outcome).length
  const counts = {
    ok: count('ok'),
    failed: count('failed'),
    indeterminate: count('indeterminate'),
    notReached: count('notReached'),
    unexplored,
  }

  // A schedule: the faults in order, each point as the run before it saw its message.
  const runSchedule = async (
    at: readonly FaultAt[],
    points: readonly ExplorePoint[],
  ): Promise<ScheduleRun> => {
    const ran = await runFaults(at, points[0]!)
    return {
      result: {
        id: scheduleId(at),
        points,
        outcome: ran.outcome,
        finding: ran.finding,
        error: ran.error,
        seed: ran.seed,
      },
      messages: ran.facts.messages,
    }
  }
  let schedules: CombinationsResult | undefined
  if (replay?.includes('+') === true) {
    schedules = await replaySchedule(replay, clean.messages, asPoint, runSchedule)
  } else if (combinations !== undefined && replay === undefined) {
    const singleFailed = counts.failed + counts.indeterminate + counts.unexplored > 0
    schedules = singleFailed
      ? skippedCombinations(combinations.size, 'single faults already break it, or were not all explored')
      : await searchSchedules(
          results
            .filter((r) => r.outcome === 'ok')
            .map((r) => ({
              point: r.point,
              at: {
                fault: r.point.fault,
                kind: r.point.message.kind,
                occurrence: r.point.message.occurrence,
              },
              messages: r.messages,
            })),
          faults,
          { ...combinations, seed },
          runSchedule,
        )
  }
  return {
    protocol: clean.protocol,
    messages: clean.messages,
    points: results,
    firstFailure: results.find((r) => r.outcome === 'failed'),
    counts,
    faults,
    delay,
    seed,
    property: check.name,
    replay,
    combinations: schedules,
    durationMs: performance.now() - started,
  }
}

// Replays one schedule alone: its first point as the recording saw it, the others as the run saw them.
async function replaySchedule(
  id: string,
  messages: readonly ExploredMessage[],
  asPoint: (at: PlannedPoint, of?: number) => ExplorePoint,
  runSchedule: (at: readonly FaultAt[], points: readonly ExplorePoint[]) => Promise<ScheduleRun>,
): Promise<CombinationsResult> {
  const planned = id.split('+').map((part, i) => replayPoint(part, i === 0 ? messages : []))
  const first = asPoint(planned[0]!)
  const ran = await runSchedule(planned, [first, ...planned.slice(1).map((p) => asPoint(p))])
  // The run says which message each later fault met, and how long it was.
  const points = ran.result.points.map((point, i) => {
    if (i === 0) return point
    const met = ran.messages.find(
      (m) => m.kind === point.message.kind && m.occurrence === point.message.occurrence,
    )
    return met === undefined ? point : { ...point, message: met, total: ran.messages.length }
  })
  const result: ScheduleResult = { ...ran.result, points }
  const one = (outcome: PointOutcome) => (result.outcome === outcome ? 1 : 0)
  return {
    size: planned.length,
    pairs: planned.length === 2 ? 1 : 0,
    explored: 1,
    counts: {
      ok: one('ok'),
      failed: one('failed'),
      indeterminate: one('indeterminate'),
      notReached: one('notReached'),
    },
    failure: result.outcome === 'failed' ? result : undefined,
    shrinks: 0,
    interrupted: false,
    skipped: undefined,
  }
}

// The check's verdict; a check that throws found something too (an assertion inside it, a query that
// failed on a broken state), and says what.
async function judged<S extends ExploreState>(
  check: ExploreCheck<S>,
  facts: RunFacts<S>,
  point: ExplorePoint | undefined,
  clean: JudgedRun<S>['clean'],
): Promise<string | undefined> {
  if (facts.readError !== undefined)
    return `the check could not read the state: ${firstLine(facts.readError)}`
  try {
    const finding = await check.judge({
      state: facts.state,
      point,
      error: facts.error,
      rejected: facts.rejected,
      before: facts.before,
      after: facts.after,
      clean,
    })
    return typeof finding === 'string' && finding !== '' ? finding : undefined
  } catch (error) {
    return `the check threw: ${firstLine(error)}`
  }
}

function asCheck<S extends ExploreState>(check: ExploreOptions<S>['check'] | undefined): ExploreCheck<S> {
  if (typeof check === 'function') return { judge: check }
  if (typeof check === 'object' && check !== null && typeof check.judge === 'function') {
    checkFunction(check.read, 'options.check.read', { optional: true }, explore)
    return check
  }
  throw new FaultlineArgumentError(
    'options.check',
    `expected a function judging a run (return what was found, or nothing) or { read?, judge }, got ${describeValue(check)}`,
    explore,
  )
}

function checkFaults(value: unknown): readonly ExploreFaultKind[] {
  if (value === undefined) return ['cut', 'inFlight']
  if (!Array.isArray(value) || value.length === 0) {
    throw new FaultlineArgumentError(
      'options.faults',
      `expected a non-empty array of ${exploreFaultKinds.map((k) => `'${k}'`).join(', ')}, got ${describeValue(value)}`,
      explore,
    )
  }
  const kinds = value.map((v, i) =>
    checkOneOf(v, exploreFaultKinds, `options.faults[${i}]`, undefined, explore),
  )
  // Explored in the one fixed order, whatever order they were asked in: a result reads the same.
  return exploreFaultKinds.filter((kind) => kinds.includes(kind))
}

function checkReplay(value: unknown): string {
  const parts = typeof value === 'string' ? value.split('+') : []
  if (parts.length === 0 || parts.length > 4 || parts.some((part) => parsePointId(part) === undefined)) {
    throw new FaultlineArgumentError(
      'options.replay',
      `expected a point id from a result or a failure message, e.g. 'inFlight@Q#3' (or a pair, 'cut@Q#2+cut@Q#6'), got ${describeValue(value)}`,
      explore,
    )
  }
  return value as string
}

function checkCombinations(value: unknown): Required<CombinationOptions> | undefined {
  if (value === undefined || value === false) return undefined
  const options = (value === true ? {} : value) as CombinationOptions
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options.combinations',
      `expected true or { size, runs, within }, got ${describeValue(value)}`,
      explore,
    )
  }
  return {
    size: optionalNumber(
      options.size,
      'options.combinations.size',
      { integer: true, min: 2, max: 4 },
      2,
      explore,
    ),
    runs: optionalNumber(
      options.runs,
      'options.combinations.runs',
      { integer: true, min: 1, max: 100_000 },
      50,
      explore,
    ),
    within: optionalNumber(options.within, 'options.combinations.within', MS, 60_000, explore),
  }
}

type PlannedPoint = FaultAt & { readonly message: ExploredMessage }

function allPoints(
  messages: readonly ExploredMessage[],
  faults: readonly ExploreFaultKind[],
): PlannedPoint[] {
  return messages.flatMap((message) =>
    faults.map((fault) => ({ fault, kind: message.kind, occurrence: message.occurrence, message })),
  )
}

// A replayed point whose message the recording did not send still runs: it is reported not reached.
function replayPoint(id: string, messages: readonly ExploredMessage[]): PlannedPoint {
  const { fault, kind, occurrence } = parsePointId(id)!
  const message = messages.find((m) => m.kind === kind && m.occurrence === occurrence) ?? {
    index: 0,
    kind,
    occurrence,
    text: `${kind} #${occurrence} (not sent by the recording run)`,
  }
  return { fault, kind, occurrence, message }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n')[0] ?? text
}

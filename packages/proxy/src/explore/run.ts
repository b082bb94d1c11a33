// One run of an exploration: a fresh state, a proxy in front of it that records every client message and
// puts at most one fault at one boundary, the operation through the proxy, then the check on the state.
import { setTimeout as sleep } from 'node:timers/promises'
import { describeValue, FaultlineArgumentError, FaultWindow, type Timeline } from '@faultline/core'
import type { ProxyFault } from '../fault.js'
import type { MessageMatcher } from '../protocols/matchers.js'
import type { ProtocolMessage, ProtocolName } from '../protocols/types.js'
import { createProxy, type FaultProxy } from '../proxy.js'
import { type ExploredMessage, type ExploreFaultKind, messageKind, messageText, pointId } from './points.js'

/** A fresh state an operation runs on: anything with the service's `url` (a database, key space, vhost). */
export interface ExploreState {
  readonly url: string
}

/** What the operation gets in each run. */
export interface ExploreContext<S extends ExploreState = ExploreState> {
  /** The state's URL through this run's proxy: the code under test connects with it. */
  readonly url: string
  /** This run's fresh state (its `url` bypasses the proxy). */
  readonly state: S
  /** Aborted when the run's `timeout` is up. */
  readonly signal: AbortSignal
}

/** The operation explored: it connects through `context.url`, does its work, and closes what it opened. */
export type ExploreOperation<S extends ExploreState = ExploreState> = (
  context: ExploreContext<S>,
) => Promise<unknown>

/** Where a run puts its one fault: the `occurrence`-th message of `kind`. */
export interface FaultAt {
  readonly fault: ExploreFaultKind
  readonly kind: string
  readonly occurrence: number
}

/**
 * Hands out fresh states one run ahead and disposes used ones in the background: the next database is
 * copied while the current run goes on, and no run waits for the last one's drop.
 */
export class States<S extends ExploreState> {
  #next: Promise<S> | undefined
  readonly #disposing: Promise<unknown>[] = []

  constructor(private readonly fresh: () => Promise<S>) {}

  /** A fresh state: the one made ahead, or a new one. */
  take(): Promise<S> {
    const state = this.#next ?? this.fresh()
    this.#next = undefined
    return state
  }

  /** Starts making the next state now. */
  prepare(): void {
    if (this.#next !== undefined) return
    this.#next = this.fresh()
    this.#next.catch(() => {}) // its error reaches the run that takes it
  }

  /** Disposes a used state (`[Symbol.asyncDispose]`, if it has one) without waiting. */
  dispose(state: S): void {
    const dispose = (state as Partial<AsyncDisposable>)[Symbol.asyncDispose]
    if (dispose !== undefined) this.#disposing.push(Promise.resolve().then(() => dispose.call(state)))
  }

  /** Disposes the state made ahead, if any, and waits for every disposal; throws the first that failed. */
  async close(): Promise<void> {
    const next = this.#next
    this.#next = undefined
    if (next !== undefined) {
      const state = await next.catch(() => undefined)
      if (state !== undefined) this.dispose(state)
    }
    const failed = (await Promise.allSettled(this.#disposing)).find((r) => r.status === 'rejected')
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
  }
}

/** How every run of an exploration is made. */
export interface RunSetup<S extends ExploreState> {
  readonly states: States<S>
  readonly read: ((state: S) => unknown) | undefined
  readonly protocol: ProtocolName | undefined
  readonly delay: number
  readonly timeout: number
  readonly settle: number
  readonly timeline: Timeline | undefined
}

/** What one run saw. */
export interface RunFacts<S extends ExploreState> {
  readonly state: S
  /** The protocol the proxy framed. */
  readonly protocol: ProtocolName
  /** Every client message the proxy saw, in order. */
  readonly messages: readonly ExploredMessage[]
  /** Per fault of the run, the message it acted at; undefined where the run never sent it (not reached). */
  readonly hits: readonly (ExploredMessage | undefined)[]
  /** What the operation threw; undefined when it resolved. */
  readonly error: unknown
  readonly rejected: boolean
  /** The operation had not ended `timeout` ms after it started. */
  readonly timedOut: boolean
  readonly before: unknown
  readonly after: unknown
  /** What the check's `read` threw after the run, if it did: the state could not be read. */
  readonly readError: unknown
}

/** What the operation may still take to return once its connections were torn down after its timeout. */
const GRACE_MS = 1_000

/**
 * Runs the operation once on a fresh state, with the faults of `at` (none for the recording run), and hands
 * what it saw to `judge` while the state still exists. The state is disposed afterwards, in the background
 * (`setup.states`), while the next run's state is made ahead.
 */
export async function runOnce<S extends ExploreState, T>(
  operation: ExploreOperation<S>,
  setup: RunSetup<S>,
  at: readonly FaultAt[],
  seed: number,
  judge: (facts: RunFacts<S>) => Promise<T>,
): Promise<{ facts: RunFacts<S>; judged: T | undefined }> {
  const state = await setup.states.take()
  setup.states.prepare()
  if (typeof state?.url !== 'string') {
    throw new FaultlineArgumentError(
      'options.fresh',
      `expected a fresh state with the service's url (e.g. services.postgres().isolate()), got ${describeValue(state)}`,
    )
  }
  const timers: NodeJS.Timeout[] = []
  let faultWindow: FaultWindow | undefined
  try {
    const before = await setup.read?.(state)
    const proxy = await createProxy({
      upstream: state,
      ...(setup.protocol === undefined ? {} : { protocol: setup.protocol }),
      seed,
    })
    try {
      const messages: ExploredMessage[] = []
      const hits: (ExploredMessage | undefined)[] = at.map(() => undefined)
      // On the timeline, a run's faults are one window: from the first hit to the end of the run.
      const name = `explore ${at.map((f) => pointId(f.fault, f.kind, f.occurrence)).join('+')}`
      const open = () =>
        new FaultWindow(name, { timeline: setup.timeline, target: proxy.upstream, details: { seed } })
      const counts = new Map<string, number>()
      // Sees every message first (triggers see messages in the order they were set) and never acts.
      const recorder: MessageMatcher = {
        protocol: framedProtocol(proxy),
        description: 'explore recorder',
        matches(message) {
          const kind = messageKind(message)
          const occurrence = (counts.get(kind) ?? 0) + 1
          counts.set(kind, occurrence)
          const seen = { index: messages.length + 1, kind, occurrence, text: messageText(message) }
          messages.push(seen)
          for (const [i, fault] of at.entries()) {
            if (kind !== fault.kind || occurrence !== fault.occurrence) continue
            hits[i] = seen
            faultWindow ??= open()
            if (fault.fault === 'delay') timers.push(delayAnswers(proxy, setup.delay))
          }
          return false
        },
      }
      proxy.trigger(recorder)
      for (const fault of at) {
        if (fault.fault === 'delay') continue
        const target: MessageMatcher = {
          protocol: recorder.protocol,
          description: `explore ${fault.fault} at ${fault.kind}`,
          matches: (message: ProtocolMessage) => messageKind(message) === fault.kind,
          exact: true, // each message is a point of its own: after an Execute, before its Sync, too
        }
        proxy.trigger(target, {
          nth: fault.occurrence,
          action: fault.fault === 'cut' ? 'close' : 'reset',
          at: fault.fault === 'inFlight' ? 'after' : 'before',
        })
      }
      const ran = await runBounded(operation, { url: proxy.url(state.url), state }, setup.timeout, proxy)
      await settled(proxy, setup.settle)
      await proxy.close()
      // A state the run left unreadable is a finding of that run, not the end of the exploration.
      let after: unknown
      let readError: unknown
      try {
        after = await setup.read?.(state)
      } catch (error) {
        readError = error ?? new Error('read threw')
      }
      const facts: RunFacts<S> = {
        state,
        protocol: recorder.protocol,
        messages,
        hits,
        ...ran,
        before,
        after,
        readError,
      }
      return { facts, judged: ran.timedOut ? undefined : await judge(facts) }
    } finally {
      faultWindow?.close()
      await proxy.close()
    }
  } finally {
    for (const timer of timers) clearTimeout(timer)
    setup.states.dispose(state)
  }
}

function framedProtocol(proxy: FaultProxy): ProtocolName {
  // createProxy framed the URL's scheme, or the protocol option explore() checked.
  return proxy.protocol as ProtocolName
}

// Answers read from the service from now on wait `ms` in the proxy; the fault heals `ms` later, so the
// delay covers the answer to the message at hand (and any read meanwhile), not the whole rest of the run.
function delayAnswers(proxy: FaultProxy, ms: number): NodeJS.Timeout {
  const fault: ProxyFault = proxy.latency({ ms, direction: 'downstream' })
  const timer = setTimeout(() => void fault.heal(), ms)
  timer.unref()
  return timer
}

async function runBounded<S extends ExploreState>(
  operation: ExploreOperation<S>,
  context: { url: string; state: S },
  timeout: number,
  proxy: FaultProxy,
): Promise<{ error: unknown; rejected: boolean; timedOut: boolean }> {
  const controller = new AbortController()
  const running = (async () => operation({ ...context, signal: controller.signal }))().then(
    () => ({ error: undefined, rejected: false }),
    (error: unknown) => ({ error, rejected: true }),
  )
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeout)
  })
  try {
    const first = await Promise.race([running, timedOut])
    if (first !== 'timeout') return { ...first, timedOut: false }
  } finally {
    clearTimeout(timer)
  }
  // Out of time: abort, tear its connections down, and give it a moment to notice.
  controller.abort(new Error(`the operation did not end within ${timeout} ms`))
  await proxy.close()
  const late = await Promise.race([running, sleep(GRACE_MS, undefined)])
  return { error: late?.error, rejected: late?.rejected ?? false, timedOut: true }
}

// Waits until every proxied connection has closed (bounded): the service has then finished with what it
// received (an in-flight COMMIT included) and the state can be read.
async function settled(proxy: FaultProxy, within: number): Promise<void> {
  const deadline = performance.now() + within
  for (let poll = 0; poll < 100_000 && proxy.stats().open > 0; poll++) {
    if (performance.now() >= deadline) return
    await sleep(Math.min(2 ** poll, 20))
  }
}

// Types of Faultline's matchers, merged into Vitest's `expect` (declaration merging on `Matchers`): a
// project's own matchers declare theirs the same way (docs/matchers.md).
import type { BreakerState } from '../breaker.js'
import type { FailedSamplesOptions } from './monitor-input.js'
import type { SampleOptions } from './report-input.js'
import type { AtomicityOptions } from './to-be-atomic-under-disconnect.js'
import type { StabilityLimits } from './to-be-stable.js'
import type { DeadLetterExpectation } from './to-dead-letter.js'
import type { FailFastOptions } from './to-fail-fast-within.js'
import type { OutcomeLimits } from './to-have-outcomes-at-most.js'
import type { WithinOptions } from './to-have-percentile-within.js'
import type { ReceivedOptions } from './to-have-received-at-most.js'
import type { SloLimits } from './to-meet-slo.js'
import type { RecoverWithinOptions } from './to-recover-within.js'
import type { SurviveEveryFaultOptions } from './to-survive-every-fault.js'

/** The load and SLO matchers, on `expect(report)` and `expect(report.tag(name))`. */
export interface FaultlineLoadMatchers<R = unknown> {
  /** Latency at `percentile` (0-100) at or below `limitMs`, drops counted above it; refuses too few samples. */
  toHavePercentileBelow(percentile: number, limitMs: number, options?: SampleOptions): R
  /** p50 latency at or below `limitMs` (needs 10 samples). */
  toHaveP50Below(limitMs: number, options?: SampleOptions): R
  /** p95 latency at or below `limitMs` (needs 20 samples). */
  toHaveP95Below(limitMs: number, options?: SampleOptions): R
  /** p99 latency at or below `limitMs` (needs 100 samples). */
  toHaveP99Below(limitMs: number, options?: SampleOptions): R
  /** errors (drops included) / arrivals at or below `limit` (0.01 is 1 %; 0 is none). */
  toHaveErrorRateBelow(limit: number, options?: SampleOptions): R
  /** At most that many calls ended with each outcome (`ok` or an error kind such as `HTTP 429`). */
  toHaveOutcomesAtMost(limits: OutcomeLimits, options?: SampleOptions): R
  /** Completed calls per second over the active window at or above `perSecond` (a window of 1 s at least). */
  toHaveThroughputAtLeast(perSecond: number): R
  /** Every line of the SLO met, each on its own samples; a failure lists every breached line. */
  toMeetSLO(slo: SloLimits): R
  /** Latency at `percentile` at or below `factor` x the baseline report's (noisy neighbour). */
  toHavePercentileWithin(percentile: number, options: WithinOptions): R
}

/** The history matchers, on `expect(history)` (a `History` from @faultline/core). */
export interface FaultlineHistoryMatchers<R = unknown> {
  /** Every acknowledged write is in `finalRead`; indeterminate ones may be absent. */
  toHaveNoLostWrites(finalRead: Iterable<unknown>): R
  /**
   * No value read more often than its writes explain (attempts sharing an `id` are one write), and none
   * that no write attempted.
   */
  toHaveNoDuplicates(finalRead: Iterable<unknown>): R
}

/** The messaging matchers, on `expect({ connection, queue })`. Async: `await` them. */
export interface FaultlineMessagingMatchers<R = unknown> {
  /** A message matching `match` reaches the queue, dead-lettered by the broker (`x-death`), within `within` ms. */
  toDeadLetter(expected?: DeadLetterExpectation): Promise<R>
}

/** The transaction matchers, on `expect(async (client) => …)`. Async: `await` them. */
export interface FaultlineTransactionMatchers<R = unknown> {
  /** Cut at `options.cut`, the function leaves nothing (or, in flight at COMMIT, all) — never partial — and rejects. */
  toBeAtomicUnderDisconnect(options: AtomicityOptions): Promise<R>
}

/** The monitor matchers, on `expect(monitor)` (a `Monitor` from @faultline/core). */
export interface FaultlineMonitorMatchers<R = unknown> {
  /** No sample above `limit` (pool exhaustion, unbounded queues); failed samples are refused, not passed. */
  toNeverExceed(limit: number, options?: FailedSamplesOptions): R
  /** The fitted trend rises at most `maxGrowth` over the sampled span (leaks); failed samples are refused. */
  toBeStable(limits: StabilityLimits): R
}

/** The fault matchers: on calls (`expect((signal) => …)`), upstream stubs, and breaker observers. */
export interface FaultlineFaultMatchers<R = unknown> {
  /** The call rejects within `budgetMs` instead of hanging; gives up (and fails) at `giveUpAfter`. Async. */
  toFailFastWithin(budgetMs: number, options?: FailFastOptions): Promise<R>
  /** After the fault healed (`since`), the call succeeds again within `budgetMs`; reports the recovery time. Async. */
  toRecoverWithin(budgetMs: number, options?: RecoverWithinOptions): Promise<R>
  /** The upstream received at most `n` requests (in `during`, matching `where`). */
  toHaveReceivedAtMost(n: number, options?: ReceivedOptions): R
  /** The observed breaker went through exactly these states, in order. */
  toHaveBreakerStates(expected: readonly BreakerState[]): R
}

/** The exploration matcher, on `expect(async ({ url }) => …)`. Async: `await` it. */
export interface FaultlineExploreMatchers<R = unknown> {
  /**
   * A fault at every client message of the operation (cut before it, cut after the server got it, …), each
   * on a fresh state, and `options.check` holds at every point; names the first failing one and its replay.
   */
  toSurviveEveryFault(options: SurviveEveryFaultOptions): Promise<R>
}

declare module 'vitest' {
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown>
    extends FaultlineLoadMatchers<R>,
      FaultlineHistoryMatchers<R>,
      FaultlineMessagingMatchers<R>,
      FaultlineFaultMatchers<R>,
      FaultlineTransactionMatchers<R>,
      FaultlineMonitorMatchers<R>,
      FaultlineExploreMatchers<R> {}
}

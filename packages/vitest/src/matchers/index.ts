// Pure matcher functions, one per file, gathered here. `../setup.ts` registers them with expect.extend;
// users without the plugin can `expect.extend(faultlineMatchers)` themselves.
import { toBeAtomicUnderDisconnect } from './to-be-atomic-under-disconnect.js'
import { toBeStable } from './to-be-stable.js'
import { toDeadLetter } from './to-dead-letter.js'
import { toFailFastWithin } from './to-fail-fast-within.js'
import { toHaveBreakerStates } from './to-have-breaker-states.js'
import { toHaveErrorRateBelow } from './to-have-error-rate-below.js'
import { toHaveNoDuplicates } from './to-have-no-duplicates.js'
import { toHaveNoLostWrites } from './to-have-no-lost-writes.js'
import { toHaveP50Below } from './to-have-p50-below.js'
import { toHaveP95Below } from './to-have-p95-below.js'
import { toHaveP99Below } from './to-have-p99-below.js'
import { toHavePercentileBelow } from './to-have-percentile-below.js'
import { toHavePercentileWithin } from './to-have-percentile-within.js'
import { toHaveReceivedAtMost } from './to-have-received-at-most.js'
import { toHaveThroughputAtLeast } from './to-have-throughput-at-least.js'
import { toMeetSLO } from './to-meet-slo.js'
import { toNeverExceed } from './to-never-exceed.js'
import { toRecoverWithin } from './to-recover-within.js'

export type { MessageParts } from './message.js'
export { message } from './message.js'
export type { FailedSamplesOptions } from './monitor-input.js'
export type { SampleOptions } from './report-input.js'
export type { AtomicityOptions, CutPoint, TransactionalFunction } from './to-be-atomic-under-disconnect.js'
export type { StabilityLimits } from './to-be-stable.js'
export type { DeadLetterExpectation, DeadLetterQueueRef } from './to-dead-letter.js'
export type { FailFastOptions } from './to-fail-fast-within.js'
export type { WithinOptions } from './to-have-percentile-within.js'
export type { LoggedRequest, ReceivedOptions, TimeWindow } from './to-have-received-at-most.js'
export type { SloLimits } from './to-meet-slo.js'
export type { RecoverOptions } from './to-recover-within.js'
export type {
  FaultlineFaultMatchers,
  FaultlineHistoryMatchers,
  FaultlineLoadMatchers,
  FaultlineMessagingMatchers,
  FaultlineMonitorMatchers,
  FaultlineTransactionMatchers,
} from './types.js'
export {
  toBeAtomicUnderDisconnect,
  toBeStable,
  toDeadLetter,
  toFailFastWithin,
  toHaveBreakerStates,
  toHaveErrorRateBelow,
  toHaveNoDuplicates,
  toHaveNoLostWrites,
  toHaveP50Below,
  toHaveP95Below,
  toHaveP99Below,
  toHavePercentileBelow,
  toHavePercentileWithin,
  toHaveReceivedAtMost,
  toHaveThroughputAtLeast,
  toMeetSLO,
  toNeverExceed,
  toRecoverWithin,
}

/**
 * Every Faultline matcher, for `expect.extend`.
 *
 * @example
 * import { expect } from 'vitest'
 * import { faultlineMatchers } from '@faultline/vitest/matchers'
 * expect.extend(faultlineMatchers)
 */
export const faultlineMatchers = {
  toHavePercentileWithin,
  toNeverExceed,
  toBeStable,
  toBeAtomicUnderDisconnect,
  toDeadLetter,
  toHaveNoLostWrites,
  toHaveNoDuplicates,
  toHavePercentileBelow,
  toHaveP50Below,
  toHaveP95Below,
  toHaveP99Below,
  toHaveErrorRateBelow,
  toHaveThroughputAtLeast,
  toMeetSLO,
  // Faults: fail fast, recovery, upstream request logs, breaker states.
  toFailFastWithin,
  toRecoverWithin,
  toHaveReceivedAtMost,
  toHaveBreakerStates,
}

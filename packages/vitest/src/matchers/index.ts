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
import { toHaveOutcomesAtMost } from './to-have-outcomes-at-most.js'
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
import { toSurviveEveryFault } from './to-survive-every-fault.js'

export {
  attachChart,
  CHARTS_DIR,
  CHARTS_ENV,
  type ChartData,
  type ChartFacts,
  type ChartRequest,
  type ChartVerdict,
  chartFacts,
  chartsEnabled,
  readChartData,
} from '../report/attach.js'
// The building blocks of every matcher above, public so that a project's own matchers inherit the same
// honesty (docs/matchers.md): the sample floor, the message and verdict helpers, the strictness rule, and
// the inputs (reports, histories, monitors, request logs, calls) taken the way Faultline's matchers take them.
export { asCall, checkBudget, describeError } from './call-input.js'
export { atomicity, type ExploreAtomicityOptions } from './explore-atomicity.js'
export { type NoDuplicatesOptions, noDuplicates } from './explore-duplicates.js'
export { type NoMessageLostOptions, noMessageLost } from './explore-messages.js'
export {
  errorRateFloor,
  type Floor,
  type FloorContext,
  LEAST_SAMPLES,
  type LineSamples,
  maxFloor,
  meanFloor,
  percentileFloor,
  requireFloors,
  throughputWindowFloorMs,
} from './floors.js'
export {
  asHistory,
  checkFinalRead,
  formatOutcomes,
  formatSome,
  type HistoryFindings,
  type HistoryProblem,
  judgeHistory,
} from './history-input.js'
export { checkOptions } from './limits.js'
export {
  type Bound,
  formatArgs,
  formatLatency,
  formatSamples,
  formatWindow,
  type MessageParts,
  meets,
  message,
  opposite,
  relation,
  type VerdictParts,
  type VerdictResult,
  verdict,
  versus,
} from './message.js'
export {
  asMonitor,
  type FailedSamplesOptions,
  failuresOf,
  formatAmount,
  formatSampling,
  refuseFailedSamples,
} from './monitor-input.js'
export { arrivalPercentile, countedLines, errorKinds } from './outcomes.js'
export {
  asReport,
  checkSampleOptions,
  errorRateSamples,
  latencySamples,
  percentileSamples,
  type SampleOptions,
} from './report-input.js'
export {
  asRequestLog,
  checkWindows,
  formatRequests,
  type LoggedRequest,
  type RequestLogInput,
  type TimeWindow,
  within,
} from './request-log-input.js'
export type { AtomicityOptions, CutPoint, TransactionalFunction } from './to-be-atomic-under-disconnect.js'
export type { StabilityLimits } from './to-be-stable.js'
export type { DeadLetterExpectation, DeadLetterQueueRef } from './to-dead-letter.js'
export type { FailFastOptions } from './to-fail-fast-within.js'
export {
  formatOutcomeCounts,
  OK_OUTCOME,
  type OutcomeLimits,
  outcomeCount,
  outcomeCountFloor,
} from './to-have-outcomes-at-most.js'
export type { WithinOptions } from './to-have-percentile-within.js'
export type { ReceivedOptions } from './to-have-received-at-most.js'
export type { SloLimits } from './to-meet-slo.js'
export type { RecoverWithinOptions } from './to-recover-within.js'
export type { IsolatingService, SurviveEveryFaultOptions } from './to-survive-every-fault.js'
export type {
  FaultlineExploreMatchers,
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
  toHaveOutcomesAtMost,
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
  toSurviveEveryFault,
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
  toHaveOutcomesAtMost,
  toHaveThroughputAtLeast,
  toMeetSLO,
  // Faults: fail fast, recovery, upstream request logs, breaker states.
  toFailFastWithin,
  toRecoverWithin,
  toHaveReceivedAtMost,
  toHaveBreakerStates,
  // Exploration: a fault at every message of an operation.
  toSurviveEveryFault,
}

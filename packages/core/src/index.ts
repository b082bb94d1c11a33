export { now } from './clock.js'
export { describeValue } from './describe-value.js'
export { FaultlineArgumentError, FaultlineError, isFaultlineError } from './errors.js'
export { type ActiveFault, AppliedFault, FaultWindow, isActiveFault, type TimelineOptions } from './fault.js'
export {
  FaultSchedule,
  type FaultScheduleOptions,
  type ScheduledFault,
  type ScheduledFaultContext,
  scheduleFaults,
} from './fault-schedule.js'
export { type CheckOptions, checkHistory, type HistoryCheck } from './history/check.js'
export {
  classifyError,
  History,
  type InvokeOptions,
  type Operation,
  type OperationHandle,
  type OperationOutcome,
  type RecordOptions,
} from './history/history.js'
export { isErrorStatus } from './http-status.js'
export { type FaultImpact, faultImpact } from './impact.js'
export { InjectedFaultError, isInjectedFault } from './inject/errors.js'
export { type FaultStats, InjectedFault } from './inject/fault.js'
export { type FunctionFault, injectFault, injectMethod, type MethodKey } from './inject/inject.js'
export type {
  BlackHoleFault,
  ErrorFault,
  FaultBehaviour,
  FaultControl,
  InjectOptions,
  LatencyFault,
  OutcomeFault,
} from './inject/options.js'
export { type HealedSince, measureRecovery, type Recovery, type RecoveryOptions } from './inject/recovery.js'
export { measureSettle, type Settlement, type TimedCall } from './inject/settle.js'
export { checkLatency, drawLatency, type LatencyDistribution } from './latency-distribution.js'
export {
  announceLoadReport,
  type LoadReportListener,
  loadRunStarted,
  loadRunsMeasuring,
  onLoadReport,
} from './load/announce.js'
export {
  type ArrivalRate,
  arrivalSchedule,
  constantRate,
  exponentialRate,
  poissonArrivals,
  profilePeak,
  profileValueAt,
  type RatePhase,
  rampRate,
  rampUsers,
  rateDuration,
  ratePhases,
  stepRates,
} from './load/arrivals.js'
export type { IntervalJSON } from './load/cell-json.js'
export { errorKind } from './load/error-kind.js'
export { type CorePart, load, loadPart, runThreadedLoad } from './load/load.js'
export type { ClosedLoadOptions, CommonLoadOptions, LoadOptions, OpenLoadOptions } from './load/options.js'
export { partOptions, shareOf } from './load/part-options.js'
export {
  type LoadFinishOptions,
  LoadRecorder,
  type LoadRecorderOptions,
  type LoadSample,
} from './load/recorder.js'
export { isLoadReport, LoadReport } from './load/report.js'
export type { LoadModel, LoadReportInit, LoadSource } from './load/report-init.js'
export type { LatencySummaryJSON, LoadReportJSON } from './load/report-json.js'
export type { MergeAlign, MergeOptions } from './load/report-merge.js'
export type { LoadPart } from './load/run.js'
export type { LoadSeriesPoint } from './load/series.js'
export { formatSummary } from './load/summary.js'
export type { LoadTarget, LoadTask, LoadTaskContext, TaggedTask } from './load/task.js'
export { isThreadTask, type ThreadTask, threadTask } from './load/thread-task.js'
export { type PartSignals, runOnThreads, type ThreadsOptions } from './load/threads.js'
export { LOAD_SCALE_VARIABLE, loadScale, scaled } from './load-scale.js'
export {
  heapMonitor,
  Monitor,
  type MonitorOptions,
  type MonitorSample,
  type MonitorSeries,
  startMonitor,
  trend,
} from './monitor/monitor.js'
export { createRandom, mixSeed, type Random, randomSeed } from './random.js'
export { formatCount, formatMs, formatRate, formatRatio, formatSeconds } from './stats/format.js'
export { LatencyHistogram, type LatencyHistogramJSON } from './stats/histogram.js'
export { checkPercentile, minSamplesFor, percentileName } from './stats/percentile.js'
export { Timeline, type TimelineEntry, type TimelineMark } from './timeline.js'
export {
  type Callee,
  checkFunction,
  checkNumber,
  checkOneOf,
  checkRatio,
  checkSeed,
  describeRule,
  type NumberRule,
  optionalNumber,
} from './validate.js'

export { type AutocannonOptions, type HttpLoadOptions, httpLoad } from './http-load.js'
export {
  type BlackHoleBehaviour,
  checkBehaviour,
  type FlappingBehaviour,
  type FlappingPhase,
  type OkBehaviour,
  type ResetBehaviour,
  type SlowBehaviour,
  type StatusBehaviour,
  type SteadyBehaviour,
  type UpstreamBehaviour,
} from './stubs/behaviour.js'
export { type RequestReportOptions, requestReport } from './stubs/report.js'
export {
  epochNow,
  type RequestLog,
  type UpstreamRequest,
  type UpstreamRequestOutcome,
} from './stubs/request-log.js'
export {
  StartedUpstream,
  startUpstream,
  type UpstreamFault,
  type UpstreamOptions,
} from './stubs/upstream.js'
export { checkTarget, isLocalAddress } from './target.js'

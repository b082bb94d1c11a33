export {
  type ArtilleryRunOptions,
  artilleryLoad,
  findArtillery,
  type RunArtilleryOptions,
  runArtillery,
} from './artillery/load.js'
export {
  ARTILLERY_PERIOD_MS,
  type ArtilleryPeriodJSON,
  type ArtilleryReportJSON,
  type ArtilleryReportOptions,
  artilleryReport,
  hasResponseTimes,
} from './artillery/report.js'
export {
  type ArtilleryLoadOptions,
  type ArtilleryPhase,
  type ArtilleryRequest,
  type ArtilleryScript,
  artilleryScript,
  type WrittenArtilleryScript,
  writeArtilleryScript,
} from './artillery/script.js'
export type { AutocannonOptions } from './closed.js'
export {
  type ClosedHttpLoadOptions,
  type CommonHttpLoadOptions,
  type HttpLoadOptions,
  httpLoad,
  type OpenHttpLoadOptions,
} from './http-load.js'
export type { HttpMethod } from './run-options.js'
export {
  type BlackHoleBehaviour,
  checkBehaviour,
  type FlappingBehaviour,
  type FlappingPhase,
  type OkBehaviour,
  type RateLimitBehaviour,
  type ResetBehaviour,
  type SlowBehaviour,
  type StatusBehaviour,
  type SteadyBehaviour,
  type UpstreamBehaviour,
} from './stubs/behaviour.js'
export { type RequestReportOptions, requestReport } from './stubs/report.js'
export type { RequestLog, UpstreamRequest, UpstreamRequestOutcome } from './stubs/request-log.js'
export {
  StartedUpstream,
  startUpstream,
  UpstreamFault,
  type UpstreamFaultOptions,
  type UpstreamOptions,
  type WaitForRequestsOptions,
} from './stubs/upstream.js'
export { checkTarget, isLocalAddress } from './target.js'

export { type Endpoint, parseEndpoint } from './address.js'
export type { CutMode } from './connection.js'
export {
  type CombinationOptions,
  type CombinationsResult,
  describePoint,
  type ExploreCheck,
  type ExploreContext,
  type ExploredMessage,
  type ExploreFaultKind,
  type ExploreFinding,
  type ExploreOperation,
  type ExploreOptions,
  type ExplorePoint,
  type ExploreResult,
  type ExploreState,
  explore,
  exploreFaultKinds,
  type JudgedRun,
  type PointOutcome,
  type PointResult,
  parsePointId,
  type ScheduleResult,
} from './explore/index.js'
export { ProxyFault } from './fault.js'
export type { ProxyStats } from './listener.js'
export type {
  BandwidthOptions,
  CutAfterOptions,
  LatencyOptions,
  ProxyFaultOptions,
  ProxyOptions,
  RefuseOptions,
  SlicerOptions,
  SlowCloseOptions,
  TriggerAction,
  TriggerOptions,
} from './options.js'
export { type MessageMatcher, onAmqp, onPostgres, onRedis, type SqlFilter } from './protocols/matchers.js'
export type {
  AmqpMessage,
  PostgresMessage,
  ProtocolMessage,
  ProtocolName,
  RedisMessage,
} from './protocols/types.js'
export { createProxy, FaultProxy } from './proxy.js'
export type { Direction, FaultListener, FaultRecord, ProxyFaultKind } from './record.js'
export { Trigger, type TriggerHit } from './trigger.js'
export type { Upstream } from './upstream.js'

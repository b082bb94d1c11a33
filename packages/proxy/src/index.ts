export { type Endpoint, parseEndpoint } from './address.js'
export type { CutMode } from './connection.js'
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

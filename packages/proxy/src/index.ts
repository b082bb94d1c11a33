export { type Endpoint, parseEndpoint } from './address.js'
export type { CutMode } from './connection.js'
export { Fault, type FaultName } from './fault.js'
export { amqp, type MessageMatcher, postgres, redis, type SqlFilter } from './protocols/matchers.js'
export type {
  AmqpMessage,
  PostgresMessage,
  ProtocolMessage,
  ProtocolName,
  RedisMessage,
} from './protocols/types.js'
export {
  type BandwidthOptions,
  type CutAfterOptions,
  createProxy,
  type FaultOptions,
  FaultProxy,
  type LatencyOptions,
  type ProxyOptions,
  type ProxyStats,
  type RefuseOptions,
  type SlicerOptions,
  type SlowCloseOptions,
  Trigger,
  type TriggerAction,
  type TriggerHit,
  type TriggerOptions,
} from './proxy.js'
export type { Direction, FaultListener, FaultRecord, TimelineSink } from './timeline.js'

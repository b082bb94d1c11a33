export { type Endpoint, parseEndpoint } from './address.js'
export type { CutMode } from './connection.js'
export { Fault, type FaultName } from './fault.js'
export type {
  BandwidthOptions,
  CutAfterOptions,
  FaultOptions,
  LatencyOptions,
  ProxyOptions,
  RefuseOptions,
  SlicerOptions,
  SlowCloseOptions,
  TriggerAction,
  TriggerOptions,
} from './options.js'
export { amqp, type MessageMatcher, postgres, redis, type SqlFilter } from './protocols/matchers.js'
export type {
  AmqpMessage,
  PostgresMessage,
  ProtocolMessage,
  ProtocolName,
  RedisMessage,
} from './protocols/types.js'
export { createProxy, FaultProxy, type ProxyStats } from './proxy.js'
export type { Direction, FaultListener, FaultRecord, TimelineSink } from './timeline.js'
export { Trigger, type TriggerHit } from './trigger.js'

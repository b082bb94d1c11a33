import type { IncomingHttpHeaders } from 'node:http'
import type { SteadyBehaviour } from './behaviour.js'

/** How a request to an upstream stub ended, so far. */
export type UpstreamRequestOutcome =
  /** Still open: no answer yet (a black hole holds it until the client gives up). */
  | 'pending'
  /** The whole response was sent. */
  | 'answered'
  /** The client closed the connection before the response was complete (a timeout, an abort). */
  | 'abandoned'
  /** The stub destroyed the connection on purpose (`reset`). */
  | 'reset'

/** One request an upstream stub received. Times are epoch ms from core's `now()`. */
export interface UpstreamRequest {
  /** 0 for the first request the stub received. */
  readonly index: number
  readonly method: string
  /** The path and query, e.g. `/v1/chat?x=1`. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  /** The behaviour that handled it (a flapping schedule's phase at the time). */
  readonly behaviour: SteadyBehaviour['kind']
  /** When its headers arrived. */
  readonly at: number
  /** When it ended (answered, abandoned or reset); undefined while pending. */
  readonly endedAt: number | undefined
  /** The status sent, once headers were sent. */
  readonly status: number | undefined
  readonly outcome: UpstreamRequestOutcome
}

/** Anything with a request log: an upstream stub, or a plain `{ requests }`. */
export interface RequestLog {
  readonly requests: readonly UpstreamRequest[]
}

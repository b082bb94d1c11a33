// The points of an exploration: a fault kind at a boundary (a client message), named by the message's kind
// and its position among the messages of that kind, so that an operation whose SQL text, keys or ids change
// from run to run still meets the same points.
import { summarize } from '../protocols/matchers.js'
import type { ProtocolMessage } from '../protocols/types.js'

/**
 * What is done at a boundary:
 * - `cut`: the connection ends (FIN) just before the message reaches the service;
 * - `inFlight`: the service receives the whole message, then the connection ends: its answer never
 *   reaches the client (the indeterminate case);
 * - `reset`: the connection is reset (RST both ways) just before the message reaches the service;
 * - `delay`: the service receives the message; answers from then on wait `delay` ms in the proxy (set it
 *   beyond the client's timeout).
 */
export type ExploreFaultKind = 'cut' | 'inFlight' | 'reset' | 'delay'

/** Every fault kind, in the order points are explored at a boundary. */
export const exploreFaultKinds: readonly ExploreFaultKind[] = ['cut', 'inFlight', 'reset', 'delay']

/** One client message of the recording run: a boundary where a fault can be put. */
export interface ExploredMessage {
  /** 1, 2, ... in the order the proxy saw the messages (over every connection). */
  readonly index: number
  /** The message's kind: a PostgreSQL type (`Q`, `P`, `startup`…), a Redis command, an AMQP method. */
  readonly kind: string
  /** Its position among the messages of its kind: 1 for the first `Q`, 2 for the second… */
  readonly occurrence: number
  /** The message in words, e.g. `query INSERT INTO orders (id, customer) VALUES ($1, $2)`. */
  readonly text: string
}

/** A fault kind at a boundary. */
export interface ExplorePoint {
  /** Names the point for `replay`, e.g. `inFlight@Q#3`: the fault, the message kind, its occurrence. */
  readonly id: string
  readonly fault: ExploreFaultKind
  /** The boundary, as the recording run saw it. */
  readonly message: ExploredMessage
  /** How many messages the recording run sent. */
  readonly total: number
}

/** The kind of a message, the unit its position is counted in. */
export function messageKind(message: ProtocolMessage): string {
  if (message.protocol === 'postgres') return message.type
  if (message.protocol === 'redis') return message.command
  return message.method
}

const POSTGRES_NAMES: Readonly<Record<string, string>> = {
  startup: 'startup',
  ssl: 'SSL request',
  gssenc: 'GSS encryption request',
  cancel: 'cancel request',
  p: 'password',
  Q: 'query',
  P: 'parse',
  B: 'bind',
  E: 'execute',
  D: 'describe',
  S: 'sync',
  H: 'flush',
  C: 'close',
  X: 'terminate',
  d: 'copy data',
  c: 'copy done',
  f: 'copy fail',
  F: 'function call',
}

/** A message in words: `query INSERT INTO …`, `terminate`, `SET balance 10`, `basic.ack (channel 1)`. */
export function messageText(message: ProtocolMessage): string {
  if (message.protocol !== 'postgres') return summarize(message)
  const name = POSTGRES_NAMES[message.type] ?? `message ${message.type}`
  return message.sql === undefined ? name : `${name} ${oneLine(message.sql)}`
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim()

/** The point's id: `inFlight@Q#3`. */
export function pointId(fault: ExploreFaultKind, kind: string, occurrence: number): string {
  return `${fault}@${kind}#${occurrence}`
}

/** Reads a point id back, or undefined when it is not one. */
export function parsePointId(
  id: string,
): { fault: ExploreFaultKind; kind: string; occurrence: number } | undefined {
  const match = /^(cut|inFlight|reset|delay)@(.+)#([1-9]\d*)$/.exec(id)
  if (match === null) return undefined
  return { fault: match[1] as ExploreFaultKind, kind: match[2]!, occurrence: Number(match[3]) }
}

/** The text of a message shortened for a sentence: `INSERT INTO order_items …`. */
export function shortText(text: string, max = 40): string {
  if (text.length <= max) return text
  const cut = text.lastIndexOf(' ', max)
  return `${text.slice(0, cut > max / 2 ? cut : max)} …`
}

/**
 * A point in words, e.g. "cut after the server received `query INSERT INTO order_items …` (message 7 of
 * 12), before its answer".
 *
 * @example
 * describePoint(point) // 'cut before `query COMMIT` reached the server (message 9 of 10)'
 */
export function describePoint(point: ExplorePoint, delay?: number): string {
  const what = `\`${shortText(point.message.text)}\``
  const where = `(message ${point.message.index} of ${point.total})`
  switch (point.fault) {
    case 'cut':
      return `cut before ${what} ${where} reached the server`
    case 'inFlight':
      return `cut after the server received ${what} ${where}, before its answer`
    case 'reset':
      return `reset (RST both ways) before ${what} ${where} reached the server`
    case 'delay':
      return `answers held ${delay === undefined ? '' : `${delay} ms `}from ${what} ${where} on`
  }
}

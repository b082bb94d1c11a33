// Carries out one steady behaviour on one request. Every timer it starts is registered with `timers`, so
// closing the stub (or the client going away) clears it.
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http'
import type { SteadyBehaviour } from './behaviour.js'

/** Starts and clears the timers of one upstream stub. */
export interface Timers {
  after(ms: number, fn: () => void): NodeJS.Timeout
  clear(timer: NodeJS.Timeout | undefined): void
}

function payload(body: string | object | undefined, fallback: string): { text: string; type: string } {
  if (body === undefined) return { text: fallback, type: 'text/plain; charset=utf-8' }
  if (typeof body === 'string') return { text: body, type: 'text/plain; charset=utf-8' }
  return { text: JSON.stringify(body), type: 'application/json' }
}

function send(
  res: ServerResponse,
  status: number,
  body: string | object | undefined,
  headers: Readonly<Record<string, string>> = {},
): void {
  const { text, type } = payload(body, status < 400 ? 'ok' : `HTTP ${status}`)
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/**
 * What `respond` reports back to the request log for the cases Node's response does not see.
 */
export interface RespondHooks {
  /** Called before the socket is destroyed on purpose. */
  onReset(): void
  /** Called when a raw (headers-trickled) response has been written in full. */
  onAnswered(status: number): void
}

/**
 * Applies `behaviour` to the request.
 *
 * @example
 * respond(req, res, { kind: 'status', status: 503 }, timers, hooks)
 */
export function respond(
  req: IncomingMessage,
  res: ServerResponse,
  behaviour: SteadyBehaviour,
  timers: Timers,
  hooks: RespondHooks,
): void {
  switch (behaviour.kind) {
    case 'ok': {
      const answer = (): void => send(res, behaviour.status ?? 200, behaviour.body, behaviour.headers)
      // A delay distribution was drawn from before (decide.ts): here it is a number of ms.
      const delay = typeof behaviour.delay === 'number' ? behaviour.delay : 0
      if (!delay) {
        answer()
        return
      }
      const timer = timers.after(delay, answer)
      res.once('close', () => timers.clear(timer))
      return
    }
    case 'blackHole':
      // Hold the request: no headers, no body, no close. The stub's close() ends it.
      return
    case 'status': {
      // No header at all without a retryAfter (Node would refuse an undefined header value).
      const retry: Record<string, string> =
        behaviour.retryAfter === undefined ? {} : { 'retry-after': String(behaviour.retryAfter) }
      send(res, behaviour.status, behaviour.body, { ...retry, ...behaviour.headers })
      return
    }
    case 'reset':
      hooks.onReset()
      req.socket.destroy()
      return
    case 'slow':
      if (behaviour.trickle === 'headers') trickleRaw(req, res, behaviour, timers, hooks)
      else trickle(res, behaviour, timers)
      return
  }
}

type Slow = Extract<SteadyBehaviour, { kind: 'slow' }>

/** Where trickled bytes go: the response's body, or the raw socket. */
interface Sink {
  write(chunk: Buffer): void
  /** The client went away: stop writing. */
  gone(): boolean
  /** Every byte was written. */
  done(): void
}

// Writes `bytes` to `sink` `chunkBytes` at a time, `chunkInterval` apart, the first piece `firstAfterMs`
// from now. Closing the response clears the pending timer.
function drip(
  res: ServerResponse,
  behaviour: Slow,
  timers: Timers,
  bytes: Buffer,
  firstAfterMs: number,
  sink: Sink,
): void {
  const step = behaviour.chunkBytes ?? 1
  const every = behaviour.chunkInterval ?? 100
  let offset = 0
  let timer: NodeJS.Timeout | undefined
  res.once('close', () => timers.clear(timer))
  const next = (): void => {
    if (sink.gone()) return
    sink.write(bytes.subarray(offset, offset + step))
    offset += step
    if (offset < bytes.length) timer = timers.after(every, next)
    else sink.done()
  }
  timer = timers.after(firstAfterMs, next)
}

// The headers after `headersAfter`, then the body a few bytes at a time.
function trickle(res: ServerResponse, behaviour: Slow, timers: Timers): void {
  const body = Buffer.from(behaviour.body ?? 'slow response')
  const head = (): void => {
    res.writeHead(behaviour.status ?? 200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': body.length,
    })
    res.flushHeaders()
    if (body.length === 0) {
      res.end()
      return
    }
    drip(res, behaviour, timers, body, behaviour.chunkInterval ?? 100, {
      write: (chunk) => res.write(chunk),
      gone: () => res.destroyed,
      done: () => res.end(),
    })
  }
  const timer = timers.after(behaviour.headersAfter ?? 0, head)
  res.once('close', () => timers.clear(timer))
}

// Trickles the whole response, status line and headers included, straight onto the socket: the client's
// headers timeout is what must act. Node's response object is bypassed, so the connection closes after it.
function trickleRaw(
  req: IncomingMessage,
  res: ServerResponse,
  behaviour: Slow,
  timers: Timers,
  hooks: RespondHooks,
): void {
  const status = behaviour.status ?? 200
  const body = Buffer.from(behaviour.body ?? 'slow response')
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`
  const socket = req.socket
  drip(
    res,
    behaviour,
    timers,
    Buffer.concat([Buffer.from(head, 'latin1'), body]),
    behaviour.headersAfter ?? 0,
    {
      write: (chunk) => socket.write(chunk),
      gone: () => socket.destroyed,
      done: () => {
        hooks.onAnswered(status)
        socket.end()
      },
    },
  )
}

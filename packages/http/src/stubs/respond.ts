// Carries out one steady behaviour on one request. Every timer it starts is registered with `timers`, so
// closing the stub (or the client going away) clears it.
import type { IncomingMessage, ServerResponse } from 'node:http'
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
 * Applies `behaviour` to the request. `onReset` is called before the socket is destroyed on purpose.
 *
 * @example
 * respond(req, res, { kind: 'status', status: 503 }, timers, () => {})
 */
export function respond(
  req: IncomingMessage,
  res: ServerResponse,
  behaviour: SteadyBehaviour,
  timers: Timers,
  onReset: () => void,
): void {
  switch (behaviour.kind) {
    case 'ok': {
      const answer = (): void => send(res, behaviour.status ?? 200, behaviour.body, behaviour.headers)
      if (!behaviour.delayMs) {
        answer()
        return
      }
      const timer = timers.after(behaviour.delayMs, answer)
      res.once('close', () => timers.clear(timer))
      return
    }
    case 'black-hole':
      // Hold the request: no headers, no body, no close. The stub's close() ends it.
      return
    case 'status': {
      const retry: Record<string, string> =
        behaviour.retryAfter === undefined ? {} : { 'retry-after': String(behaviour.retryAfter) }
      send(res, behaviour.status, behaviour.body, { ...retry, ...behaviour.headers })
      return
    }
    case 'reset':
      onReset()
      req.socket.destroy()
      return
    case 'slow':
      trickle(res, behaviour, timers)
      return
  }
}

function trickle(
  res: ServerResponse,
  behaviour: Extract<SteadyBehaviour, { kind: 'slow' }>,
  timers: Timers,
): void {
  const body = Buffer.from(behaviour.body ?? 'slow response')
  const step = behaviour.chunkBytes ?? 1
  const every = behaviour.chunkIntervalMs ?? 100
  let timer: NodeJS.Timeout | undefined
  res.once('close', () => timers.clear(timer))
  let offset = 0
  const next = (): void => {
    if (res.destroyed) return
    res.write(body.subarray(offset, offset + step))
    offset += step
    if (offset >= body.length) res.end()
    else timer = timers.after(every, next)
  }
  const head = (): void => {
    res.writeHead(behaviour.status ?? 200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': body.length,
    })
    res.flushHeaders()
    if (body.length === 0) res.end()
    else timer = timers.after(every, next)
  }
  timer = timers.after(behaviour.headersAfterMs ?? 0, head)
}

import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ConfirmChannel } from 'amqplib'
import type { Redis } from 'ioredis'
import type pg from 'pg'
import { publish, WORK_QUEUE } from './queues.js'
import { storeMessage } from './store.js'

/** How long the hardened API waits for the broker to take a message before it answers 503. */
export const PUBLISH_TIMEOUT = 1_000

export interface ApiOptions {
  pool: pg.Pool
  cache: Redis
  /** A confirm channel: the hardened API acknowledges a message only once the broker confirmed it. */
  channel: ConfirmChannel
  /**
   * true: stores in one transaction with the caller's idempotency key, publishes with a confirm (503 with
   * `Retry-After` when the broker refuses or does not answer in time), falls back to PostgreSQL when the
   * cache fails. false, the audit's: autocommit without the key, fire-and-forget publish, cache errors fail
   * the request.
   */
  hardened: boolean
}

export interface Api extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  close(): Promise<void>
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

async function readJson(req: IncomingMessage): Promise<{ text?: unknown }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > 64 * 1024) throw new HttpError(413, 'message too large')
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString()) as { text?: unknown }
  } catch {
    throw new HttpError(400, 'body: expected JSON')
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer))
}

/**
 * The messaging API: `POST /messages` stores a tenant's message and queues it for the worker;
 * `GET /messages/:id` reads one back through the Redis cache. Every request names its tenant in
 * `x-tenant-id`.
 */
export async function startApi({ pool, cache, channel, hardened }: ApiOptions): Promise<Api> {
  const send = async (tenantId: string, req: IncomingMessage) => {
    const { text } = await readJson(req)
    if (typeof text !== 'string' || text.length === 0) throw new HttpError(400, 'text: expected a string')
    const key = req.headers['idempotency-key']
    const idempotencyKey = typeof key === 'string' ? key : undefined
    const id = await storeMessage(pool, { tenantId, body: text, idempotencyKey }, { hardened })
    const item = JSON.stringify({ id, tenantId, body: text })
    if (!hardened) {
      channel.sendToQueue(WORK_QUEUE, Buffer.from(item), { persistent: true }) // and hope
      return { id }
    }
    const taken = await withTimeout(
      publish(channel, item),
      PUBLISH_TIMEOUT,
      () => new HttpError(503, 'broker not answering', { 'retry-after': '1' }),
    )
    // Stored but not queued: the caller retries with the same key, which queues it then.
    if (!taken) throw new HttpError(503, 'queue full', { 'retry-after': '1' })
    return { id }
  }

  const read = async (tenantId: string, id: number) => {
    const key = `message:${tenantId}:${id}`
    const cached = hardened ? await cache.get(key).catch(() => null) : await cache.get(key)
    if (cached !== null) return JSON.parse(cached) as unknown
    const { rows } = await pool.query('SELECT id, body FROM messages WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ])
    if (rows.length === 0) throw new HttpError(404, 'no such message')
    await cache.set(key, JSON.stringify(rows[0]), 'EX', 60).catch(() => {})
    return rows[0] as unknown
  }

  const handle = async (req: IncomingMessage) => {
    const tenantId = req.headers['x-tenant-id']
    if (typeof tenantId !== 'string' || tenantId === '') throw new HttpError(400, 'x-tenant-id: required')
    if (req.method === 'POST' && req.url === '/messages') return [202, await send(tenantId, req)] as const
    const get = /^\/messages\/(\d+)$/.exec(req.url ?? '')
    if (req.method === 'GET' && get) return [200, await read(tenantId, Number(get[1]))] as const
    req.resume()
    throw new HttpError(404, 'not found')
  }

  const server = createServer((req, res) => {
    handle(req).then(
      ([status, body]) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      (error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500
        const headers = error instanceof HttpError ? error.headers : {}
        res.writeHead(status, { 'content-type': 'application/json', ...headers })
        res.end(JSON.stringify({ error: (error as Error).message }))
      },
    )
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const close = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return { url, close, [Symbol.asyncDispose]: close }
}

import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ConfirmChannel } from 'amqplib'
import { type BulkheadPolicy, bulkhead, isBulkheadRejectedError } from 'cockatiel'
import type { Redis } from 'ioredis'
import type pg from 'pg'
import { publish, WORK_QUEUE } from './queues.js'
import { importMessages, storeMessage } from './store.js'

/** How long the hardened API waits for the broker to take a message before it answers 503. */
export const PUBLISH_TIMEOUT = 1_000

/** The hardened API's limits on bulk imports (`POST /imports`): what the tests' bounds are computed from. */
export const IMPORTS = {
  /** Imports a tenant runs at once: each holds a connection for its whole batch. */
  perTenant: 1,
  /** A tenant's imports waiting for their turn, at most; past them the API answers 429 with Retry-After. */
  queued: 100,
} as const

export interface ApiOptions {
  pool: pg.Pool
  cache: Redis
  /** A confirm channel: the hardened API acknowledges a message only once the broker confirmed it. */
  channel: ConfirmChannel
  /**
   * true: stores in one transaction with the caller's idempotency key, publishes with a confirm (503 with
   * `Retry-After` when the broker refuses or does not answer in time), falls back to PostgreSQL when the
   * cache fails or times out, runs a tenant's bulk imports one at a time (a bulkhead per tenant), and
   * answers 503 with `Retry-After` when a dependency fails. false, the audit's: autocommit without the key,
   * fire-and-forget publish, cache errors fail the request, imports take as many connections as they ask.
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

/** The non-empty lines of a request body, as they arrive: the lines of each chunk received, together. */
async function* lines(req: IncomingMessage): AsyncGenerator<string[]> {
  req.setEncoding('utf8')
  let rest = ''
  for await (const chunk of req as AsyncIterable<string>) {
    const parts = (rest + chunk).split('\n')
    rest = parts.pop() ?? ''
    const batch = parts.filter((line) => line !== '')
    if (batch.length > 0) yield batch
  }
  if (rest !== '') yield [rest]
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
 * `GET /messages/:id` reads one back through the Redis cache; `POST /imports` stores a tenant's messages
 * from a text body, one per line, as the upload streams in, without queueing them. Every request names its tenant in `x-tenant-id`.
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

  // #region tenant-bulkhead
  // An import holds a connection for as long as its upload takes. hardened: a bulkhead per tenant, so one
  // tenant's imports hold IMPORTS.perTenant of the pool's connections at most, and its other uploads wait
  // their turn here, not in the pool's queue ahead of every other tenant's requests.
  const bulkheads = new Map<string, BulkheadPolicy>()
  const importSlot = (tenantId: string) => {
    const slot = bulkheads.get(tenantId) ?? bulkhead(IMPORTS.perTenant, IMPORTS.queued)
    bulkheads.set(tenantId, slot)
    return slot
  }

  const importUpload = async (tenantId: string, req: IncomingMessage) => {
    if (!hardened) return { imported: await importMessages(pool, tenantId, lines(req)) }
    try {
      return {
        imported: await importSlot(tenantId).execute(() => importMessages(pool, tenantId, lines(req))),
      }
    } catch (error) {
      if (isBulkheadRejectedError(error)) {
        req.resume() // the upload is refused: drop what it sends
        throw new HttpError(429, 'too many imports at once', { 'retry-after': '1' })
      }
      throw error
    }
  }
  // #endregion tenant-bulkhead

  const read = async (tenantId: string, id: number) => {
    const key = `message:${tenantId}:${id}`
    // hardened: a cache that fails or does not answer in time is a miss, and is not written to after it.
    let cacheUp = true
    const cached = hardened
      ? await cache.get(key).catch(() => {
          cacheUp = false
          return null
        })
      : await cache.get(key)
    if (cached !== null) return JSON.parse(cached) as unknown
    const { rows } = await pool.query('SELECT id, body FROM messages WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ])
    if (rows.length === 0) throw new HttpError(404, 'no such message')
    if (cacheUp) await cache.set(key, JSON.stringify(rows[0]), 'EX', 60).catch(() => {})
    return rows[0] as unknown
  }

  const handle = async (req: IncomingMessage) => {
    const tenantId = req.headers['x-tenant-id']
    if (typeof tenantId !== 'string' || tenantId === '') throw new HttpError(400, 'x-tenant-id: required')
    if (req.method === 'POST' && req.url === '/messages') return [202, await send(tenantId, req)] as const
    if (req.method === 'POST' && req.url === '/imports')
      return [200, await importUpload(tenantId, req)] as const
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
        // Any other error is a dependency's (PostgreSQL timed out, a connection was lost): the hardened API
        // answers 503 with Retry-After, so the caller retries later; the naive one 500.
        const status = error instanceof HttpError ? error.status : hardened ? 503 : 500
        const headers = error instanceof HttpError ? error.headers : hardened ? { 'retry-after': '1' } : {}
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

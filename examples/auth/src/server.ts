import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Redis } from 'ioredis'
import { TokenBlacklist } from './blacklist.js'
import type { AuditLog, Database } from './db.js'
import { checkPassword } from './passwords.js'
import { type Limits, RateLimiter } from './rate-limiter.js'
import { REDIS } from './redis.js'
import { createVerifier, issueTokens } from './tokens.js'

/** How long the hardened health check waits for each dependency. */
export const HEALTH_TIMEOUT = 500

export interface AuthOptions {
  db: Database
  redis: Redis
  /** The HS256 key tokens are signed with; every instance of the service shares it. */
  secret: Uint8Array
  /** The resilience decisions: the hardened forms, or the naive ones the audit found (see each module). */
  hardened: boolean
  /** The rate limiter's settings; `LIMITS` by default. */
  limits?: Limits
  /** Issues a user's tokens; `issueTokens` with `secret` by default (see `createIssuer` in tokens.ts). */
  issue?: (username: string) => Promise<{ accessToken: string; refreshToken: string }>
  /** Writes the audit log; one INSERT through `db` per event by default (see `createAuditLog` in db.ts). */
  auditLog?: AuditLog
}

export interface AuthService extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly blacklist: TokenBlacklist
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

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > 16 * 1024) throw new HttpError(413, 'body too large')
    chunks.push(chunk)
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as unknown
    if (typeof body === 'object' && body !== null) return body as Record<string, unknown>
  } catch {}
  throw new HttpError(400, 'body: expected a JSON object')
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer))
}

/** The caller's address: the first `x-forwarded-for` hop (set by the proxy in front of the service). */
function clientIp(req: IncomingMessage): string {
  const forwarded = req.headers['x-forwarded-for']
  if (typeof forwarded === 'string' && forwarded !== '') return forwarded.split(',')[0]!.trim()
  return req.socket.remoteAddress ?? 'unknown'
}

function bearer(req: IncomingMessage): string {
  const header = req.headers.authorization ?? ''
  if (!header.startsWith('Bearer ')) throw new HttpError(401, 'authorization: expected a bearer token')
  return header.slice('Bearer '.length)
}

// #region startup
/**
 * Start-up: waits for Redis to be ready.
 *
 * - hardened: waits at most `REDIS.startupWait`, and not at all once a connection attempt failed: the
 *   service starts on its fallbacks (in-memory rate limiting and blacklist; health says `fallback`) and
 *   uses Redis as soon as the client reconnects;
 * - naive (the audit's): no Redis, no service: the first failed connection attempt fails the start-up.
 */
async function waitForRedis(redis: Redis, { hardened }: { hardened: boolean }): Promise<void> {
  if (redis.status === 'ready') return
  const ready = withTimeout(once(redis, 'ready'), hardened ? REDIS.startupWait : 10_000)
  if (hardened) await ready.catch(() => {})
  else await ready
}
// #endregion startup

/**
 * The auth service: `POST /login` (`{ username, password }` -> an access and a refresh token),
 * `GET /me` (an API call: verifies the access token), `POST /refresh` (`{ refreshToken }` -> a new pair; the
 * old refresh token is revoked), `POST /logout` (revokes the access token, and `{ refreshToken }` if given),
 * `GET /health` (PostgreSQL and Redis).
 */
export async function startAuth({
  db,
  redis,
  secret,
  hardened,
  limits,
  issue = (username) => issueTokens(secret, username),
  auditLog,
}: AuthOptions): Promise<AuthService> {
  await waitForRedis(redis, { hardened })
  const blacklist = new TokenBlacklist(redis, { hardened })
  const limiter = new RateLimiter(redis, { hardened, limits })
  const verify = createVerifier(secret, blacklist, { hardened })
  const audit = (event: string, username: string, ip: string) =>
    auditLog?.write(event, username, ip) ??
    db.query('INSERT INTO audit_log (event, username, ip) VALUES ($1, $2, $3)', [event, username, ip])

  const login = async (req: IncomingMessage) => {
    const ip = clientIp(req)
    const key = limiter.keyOf(ip, req.socket.remoteAddress ?? 'unknown')
    const { username, password } = await readJson(req)
    if (typeof username !== 'string' || typeof password !== 'string')
      throw new HttpError(400, 'username, password: expected strings')
    if (await limiter.isBlocked(key)) {
      const retryAfter = String(Math.ceil(limiter.limits.block / 1000))
      throw new HttpError(429, 'too many failed logins', { 'retry-after': retryAfter })
    }
    const { rows } = await db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE username = $1',
      [username],
    )
    if (rows.length === 0 || !(await checkPassword(password, rows[0]!.password_hash))) {
      await limiter.recordFailure(key)
      await audit('login-failed', username, ip)
      throw new HttpError(401, 'wrong username or password')
    }
    await audit('login', username, ip)
    return issue(username)
  }

  const me = async (req: IncomingMessage) => {
    const claims = await verify(bearer(req), 'access')
    if (!claims) throw new HttpError(401, 'invalid token')
    return { username: claims.sub }
  }

  const refresh = async (req: IncomingMessage) => {
    const { refreshToken } = await readJson(req)
    if (typeof refreshToken !== 'string') throw new HttpError(400, 'refreshToken: expected a string')
    const claims = await verify(refreshToken, 'refresh')
    if (!claims) throw new HttpError(401, 'invalid refresh token')
    await blacklist.revoke(claims.jti, claims.expiresAt) // rotation: a refresh token works once
    await audit('refresh', claims.sub, clientIp(req))
    return issue(claims.sub)
  }

  const logout = async (req: IncomingMessage) => {
    const claims = await verify(bearer(req), 'access')
    if (!claims) throw new HttpError(401, 'invalid token')
    const { refreshToken } = await readJson(req)
    await blacklist.revoke(claims.jti, claims.expiresAt)
    const refreshClaims = typeof refreshToken === 'string' ? await verify(refreshToken, 'refresh') : undefined
    if (refreshClaims) await blacklist.revoke(refreshClaims.jti, refreshClaims.expiresAt)
    await audit('logout', claims.sub, clientIp(req))
    return { loggedOut: true }
  }

  const health = async () => {
    const check = (probe: Promise<unknown>) =>
      (hardened ? withTimeout(probe, HEALTH_TIMEOUT) : probe).then(
        () => 'ok' as const,
        () => 'down' as const,
      )
    const [postgres, cache] = await Promise.all([check(db.query('SELECT 1')), check(redis.ping())])
    // Hardened, the service works without Redis (its fallbacks): degraded, not down.
    const redisState = cache === 'ok' ? 'ok' : hardened ? 'fallback' : 'down'
    const up = postgres === 'ok' && redisState !== 'down'
    return [up ? 200 : 503, { postgres, redis: redisState, pendingRevocations: blacklist.pending }] as const
  }

  const handle = async (req: IncomingMessage): Promise<readonly [number, unknown]> => {
    const route = `${req.method} ${req.url}`
    if (route === 'POST /login') return [200, await login(req)]
    if (route === 'GET /me') return [200, await me(req)]
    if (route === 'POST /refresh') return [200, await refresh(req)]
    if (route === 'POST /logout') return [200, await logout(req)]
    if (route === 'GET /health') return health()
    req.resume()
    throw new HttpError(404, 'not found')
  }

  const server = createServer((req, res) => {
    handle(req).then(
      ([status, body]) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      (error: unknown) => {
        // A failure of a dependency (PostgreSQL away, a pool's wait over): hardened, 503 and when to retry,
        // so clients and load balancers back off; naive (the audit's), 500, which reads as a bug.
        const unavailable = hardened
          ? { status: 503, headers: { 'retry-after': '1' } }
          : { status: 500, headers: {} }
        const status = error instanceof HttpError ? error.status : unavailable.status
        const headers = error instanceof HttpError ? error.headers : unavailable.headers
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
  return { url, blacklist, close, [Symbol.asyncDispose]: close }
}

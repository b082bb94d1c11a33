import { randomUUID } from 'node:crypto'
import { jwtVerify, SignJWT } from 'jose'
import type { TokenBlacklist } from './blacklist.js'

/** Token lifetimes. */
export const TOKENS = { accessTtl: 15 * 60_000, refreshTtl: 7 * 24 * 3_600_000 } as const

export type TokenType = 'access' | 'refresh'

/** What a verified token says. */
export interface Claims {
  sub: string
  jti: string
  typ: TokenType
  /** Epoch ms. */
  expiresAt: number
}

/** A fresh access token and refresh token for a user (the hardened issuer: see `createIssuer`). */
export function issueTokens(secret: Uint8Array, username: string) {
  return createIssuer(secret, { hardened: true })(username)
}

// #region issuer
/**
 * Issues a user's access and refresh tokens. A token's id (`jti`) is what logout and refresh revoke.
 *
 * - hardened: a random id per token, so revoking one token revokes that token only;
 * - naive (the audit's): the id is the user and the second the token was issued (`user-7:1764180000`),
 *   readable in logs; but two sessions of one user issued within the same second (a login on the phone
 *   while the laptop refreshes) get the same id, and the same token: one session's logout or refresh
 *   revokes the other's tokens.
 */
export function createIssuer(secret: Uint8Array, { hardened }: { hardened: boolean }) {
  return async (username: string) => {
    const issuedAt = Math.floor(Date.now() / 1_000)
    const sign = (typ: TokenType, ttl: number) =>
      new SignJWT({ typ })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(username)
        .setJti(hardened ? randomUUID() : `${username}:${issuedAt}`)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttl / 1_000)
        .sign(secret)
    return {
      accessToken: await sign('access', TOKENS.accessTtl),
      refreshToken: await sign('refresh', TOKENS.refreshTtl),
    }
  }
}
// #endregion issuer

// #region verifier
// The naive verifier's cache: how long a token it accepted is accepted again without asking Redis.
const ACCEPTED_FOR = 30_000

/**
 * Verifies a token: its signature, expiry and type, then the blacklist.
 *
 * - hardened: asks the blacklist on every call, so a revocation acknowledged by any instance is enforced
 *   by every instance from then on;
 * - naive (the audit's): remembers the tokens it accepted for 30 s to spare Redis a round trip, so a token
 *   logged out on another instance (or on this one) is still accepted until its entry expires.
 */
export function createVerifier(
  secret: Uint8Array,
  blacklist: TokenBlacklist,
  { hardened }: { hardened: boolean },
) {
  const accepted = new Map<string, { claims: Claims; until: number }>()
  return async (token: string, typ: TokenType): Promise<Claims | undefined> => {
    const cached = hardened ? undefined : accepted.get(token)
    if (cached && cached.until > Date.now() && cached.claims.typ === typ) return cached.claims
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] }).catch(() => ({
      payload: undefined,
    }))
    if (payload?.sub === undefined || payload.jti === undefined || payload.typ !== typ) return undefined
    if (await blacklist.isRevoked(payload.jti)) return undefined
    const claims = { sub: payload.sub, jti: payload.jti, typ, expiresAt: (payload.exp ?? 0) * 1_000 }
    if (!hardened) accepted.set(token, { claims, until: Date.now() + ACCEPTED_FOR })
    return claims
  }
}
// #endregion verifier

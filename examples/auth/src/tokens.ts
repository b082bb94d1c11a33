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

/** A fresh access token and refresh token for a user. */
export async function issueTokens(secret: Uint8Array, username: string) {
  const sign = (typ: TokenType, ttl: number) =>
    new SignJWT({ typ })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(new Date(Date.now() + ttl))
      .sign(secret)
  return {
    accessToken: await sign('access', TOKENS.accessTtl),
    refreshToken: await sign('refresh', TOKENS.refreshTtl),
  }
}

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

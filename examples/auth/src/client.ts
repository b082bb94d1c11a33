// What the tests call the service with: one function per endpoint, throwing `HTTP <status>` on a failure
// (the load reports count it under that kind).
import { PASSWORD } from './schema.js'

export interface Tokens {
  accessToken: string
  refreshToken: string
}

async function call<T>(url: string, init: RequestInit & { signal?: AbortSignal }): Promise<T> {
  const res = await fetch(url, init)
  const body = (await res.json()) as T
  if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status })
  return body
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

/** Logs `user-<n>` in, from the address `ip` (sent as `x-forwarded-for`), with its password unless told. */
export function login(
  baseUrl: string,
  n: number,
  {
    ip = '10.0.0.1',
    password = PASSWORD,
    signal,
  }: { ip?: string; password?: string; signal?: AbortSignal } = {},
) {
  return call<Tokens>(`${baseUrl}/login`, {
    ...json({ username: `user-${n}`, password }, { 'x-forwarded-for': ip }),
    signal,
  })
}

/** An API call: the service verifies the access token. */
export function me(baseUrl: string, accessToken: string, signal?: AbortSignal) {
  return call<{ username: string }>(`${baseUrl}/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
    signal,
  })
}

export function refresh(baseUrl: string, refreshToken: string, signal?: AbortSignal) {
  return call<Tokens>(`${baseUrl}/refresh`, { ...json({ refreshToken }), signal })
}

export function logout(baseUrl: string, tokens: Tokens, signal?: AbortSignal) {
  return call<{ loggedOut: true }>(`${baseUrl}/logout`, {
    ...json({ refreshToken: tokens.refreshToken }, { authorization: `Bearer ${tokens.accessToken}` }),
    signal,
  })
}

/** Whether the service accepts the access token now (`GET /me` answers 200; 401 is a refusal). */
export async function accepts(baseUrl: string, accessToken: string): Promise<boolean> {
  const res = await fetch(`${baseUrl}/me`, { headers: { authorization: `Bearer ${accessToken}` } })
  await res.arrayBuffer()
  if (res.status !== 200 && res.status !== 401) throw new Error(`HTTP ${res.status}`)
  return res.status === 200
}

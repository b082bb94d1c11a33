// The service a proxy forwards to, however the user names it: `host:port`, a connection URL, anything
// with a `url` (a container service, a fixture) or `{ host, port }`; and the user's URLs rewritten to go
// through the proxy. Typed structurally, so the proxy needs no dependency on @faultline/containers.
import { type Callee, describeValue, FaultlineArgumentError } from '@faultline/core'
import { type Endpoint, formatEndpoint, isPort, parseEndpoint } from './address.js'
import type { ProtocolName } from './protocols/types.js'

/**
 * The service to forward to: `'host:port'` (IPv6 as `'[::1]:5432'`), a URL (`'postgres://…'`,
 * `'redis://…'`, `'amqp://…'`, `'http://…'`), anything with a `url` (a `@faultline/containers` service, a
 * fixture such as `{ url }`), or `{ host, port }`.
 */
export type Upstream = string | { readonly url: string } | { readonly host: string; readonly port: number }

/** Where an upstream points, the URL it was named by (if any) and the protocol its scheme implies. */
export interface ResolvedUpstream {
  readonly endpoint: Endpoint
  readonly url: string | undefined
  readonly protocol: ProtocolName | undefined
}

// The protocol a URL scheme implies, for framing; other schemes (http) are proxied unframed.
const schemes: Readonly<Record<string, ProtocolName>> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  redis: 'redis',
  rediss: 'redis',
  amqp: 'amqp',
  amqps: 'amqp',
}

// The port a client uses when a URL of this scheme names none.
const defaultPorts: Readonly<Record<string, number>> = {
  postgres: 5432,
  postgresql: 5432,
  redis: 6379,
  rediss: 6379,
  amqp: 5672,
  amqps: 5671,
  http: 80,
  https: 443,
  ws: 80,
  wss: 443,
}

const EXPECTED =
  "expected the service: 'host:port', a URL such as 'postgres://user@host:5432/db', an object with a url (a service, a fixture) or { host, port }"

/**
 * Resolves `options.upstream` of `createProxy`.
 *
 * @example
 * resolveUpstream('redis://:secret@localhost:6379/2', 'options.upstream')
 * // { endpoint: { host: 'localhost', port: 6379 }, url: 'redis://:secret@localhost:6379/2', protocol: 'redis' }
 */
export function resolveUpstream(value: unknown, argument: string, callee?: Callee): ResolvedUpstream {
  if (typeof value === 'string') {
    if (!value.includes('://')) {
      return { endpoint: parseEndpoint(value, argument, callee), url: undefined, protocol: undefined }
    }
    return fromUrl(value, argument, callee)
  }
  if (typeof value === 'object' && value !== null) {
    const { url, host, port } = value as { url?: unknown; host?: unknown; port?: unknown }
    if (typeof url === 'string') return fromUrl(url, `${argument}.url`, callee)
    if (typeof host === 'string' && host !== '' && isPort(port) && port !== 0) {
      return { endpoint: { host: unbracket(host), port }, url: undefined, protocol: undefined }
    }
  }
  throw new FaultlineArgumentError(argument, `${EXPECTED}, got ${describeValue(value)}`, callee)
}

/**
 * `url` with its host and port replaced by `through`'s: the same user, password, database (or vhost, or
 * path) and query, through the proxy. IPv6 hosts are bracketed. `expected` is the proxy's upstream: a URL
 * of another service is refused, since its traffic would go to the wrong place.
 *
 * @example
 * proxiedUrl('postgres://app:pw@localhost:5432/orders', { host: '127.0.0.1', port: 41234 })
 * // 'postgres://app:pw@127.0.0.1:41234/orders'
 */
export function proxiedUrl(
  url: unknown,
  through: Endpoint,
  expected: Endpoint,
  argument = 'serviceUrl',
  callee?: Callee,
): string {
  const text =
    typeof url === 'object' && url !== null && typeof (url as { url?: unknown }).url === 'string'
      ? (url as { url: string }).url
      : url
  const parsed = parseUrl(text, argument, callee)
  const port = portOf(parsed)
  if (port !== undefined && port !== expected.port) {
    throw new FaultlineArgumentError(
      argument,
      `${redact(parsed)} is not the service this proxy forwards to (${formatEndpoint(expected)}); create a proxy for it: createProxy({ upstream: url })`,
      callee,
    )
  }
  parsed.host = formatEndpoint({ host: reachable(through.host), port: through.port })
  return parsed.toString()
}

function fromUrl(text: string, argument: string, callee?: Callee): ResolvedUpstream {
  const url = parseUrl(text, argument, callee)
  const port = portOf(url)
  if (port === undefined) {
    throw new FaultlineArgumentError(
      argument,
      `${redact(url)} names no port and ${url.protocol} has no known default; add the port`,
      callee,
    )
  }
  return {
    endpoint: { host: unbracket(url.hostname), port },
    url: text,
    protocol: schemes[scheme(url)],
  }
}

function parseUrl(text: unknown, argument: string, callee?: Callee): URL {
  let url: URL | undefined
  if (typeof text === 'string' && URL.canParse(text)) url = new URL(text)
  if (url === undefined || url.hostname === '') {
    throw new FaultlineArgumentError(
      argument,
      `expected a URL with a host, such as 'postgres://user@localhost:5432/db', got ${typeof text === 'string' ? JSON.stringify(redactText(text)) : describeValue(text)}`,
      callee,
    )
  }
  return url
}

function scheme(url: URL): string {
  return url.protocol.slice(0, -1).toLowerCase()
}

function portOf(url: URL): number | undefined {
  return url.port === '' ? defaultPorts[scheme(url)] : Number(url.port)
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

// A proxy listening on every interface is reached on loopback.
function reachable(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '::1'
  return host
}

// A URL as a message shows it: never the password.
function redact(url: URL): string {
  if (url.password === '') return url.toString()
  const copy = new URL(url.toString())
  copy.password = '***'
  return copy.toString()
}

function redactText(text: string): string {
  return text.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')
}

import { describeValue, FaultlineArgumentError } from '@faultline/core'

/** A TCP endpoint. `host` is a name or an IP address without brackets. */
export interface Endpoint {
  readonly host: string
  readonly port: number
}

/**
 * Parses `host:port` (IPv6 as `[::1]:5432`) into an endpoint, or throws a {@link FaultlineArgumentError}
 * naming `argument`.
 *
 * @example
 * parseEndpoint('localhost:6379', 'options.upstream') // { host: 'localhost', port: 6379 }
 */
export function parseEndpoint(
  value: unknown,
  argument: string,
  callee?: (...args: never[]) => unknown,
): Endpoint {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FaultlineArgumentError(
      argument,
      `expected "host:port" of the service to forward to (e.g. "127.0.0.1:6379"), got ${describeValue(value)}`,
      callee,
    )
  }
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim())
  const host = match?.[1] ?? match?.[2]
  const port = Number(match?.[3])
  if (host === undefined || !isPort(port) || port === 0) {
    throw new FaultlineArgumentError(
      argument,
      `expected "host:port" with a port from 1 to 65535 (IPv6 as "[::1]:5432"), got ${JSON.stringify(value)}`,
      callee,
    )
  }
  return { host, port }
}

/** True for an integer TCP port, 0 included (0 asks the OS for an ephemeral port). */
export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535
}

/** True for the loopback addresses and `localhost`. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** Formats an endpoint as `host:port`, bracketing IPv6 addresses. */
export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.host.includes(':')
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`
}

import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { FaultlineArgumentError } from '@faultline/core'

// Loopback, and the private ranges container networks use (Docker's bridges live in 172.16/12,
// 192.168/16 and 10/8; IPv6 unique local fc00::/7). Anything else is someone else's machine.
const V4_RANGES: readonly (readonly [number, number])[] = [
  [0x7f000000, 8], // 127.0.0.0/8
  [0x0a000000, 8], // 10.0.0.0/8
  [0xac100000, 12], // 172.16.0.0/12
  [0xc0a80000, 16], // 192.168.0.0/16
]

function v4(address: string): number {
  return address.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0
}

/**
 * True for loopback and private (container network) addresses.
 *
 * @example
 * isLocalAddress('127.0.0.1')  // true
 * isLocalAddress('172.17.0.2') // true (a Docker bridge)
 * isLocalAddress('8.8.8.8')    // false
 */
export function isLocalAddress(address: string): boolean {
  const mapped = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '')
  if (isIP(mapped) === 4) {
    const n = v4(mapped)
    return V4_RANGES.some(([base, bits]) => n >>> (32 - bits) === base >>> (32 - bits))
  }
  if (isIP(mapped) === 6) return mapped === '::1' || /^f[cd][0-9a-f]{2}:/.test(mapped)
  return false
}

/**
 * Checks that `url` is an http(s) URL on loopback or a container network, resolving its host name,
 * unless `allowRemote` is set: load must not reach someone else's server by accident.
 *
 * @example
 * await checkTarget('http://localhost:8080/health', false) // the parsed URL
 * await checkTarget('https://example.com/', false)         // throws FaultlineArgumentError naming options.url
 */
export async function checkTarget(
  url: unknown,
  allowRemote: boolean,
  argument = 'options.url',
): Promise<URL> {
  let parsed: URL
  try {
    parsed = new URL(String(url))
  } catch {
    throw new FaultlineArgumentError(argument, `must be an http(s) URL, got ${String(url)}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FaultlineArgumentError(
      argument,
      `must be an http(s) URL, got ${parsed.protocol} in ${parsed.href}`,
    )
  }
  if (allowRemote) return parsed
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return parsed
  const addresses = isIP(host) ? [host] : (await lookupAll(host, argument)).map((a) => a.address)
  const remote = addresses.filter((a) => !isLocalAddress(a))
  if (remote.length > 0) {
    throw new FaultlineArgumentError(
      argument,
      `${parsed.host} ${isIP(host) ? 'is' : `resolves to ${remote.join(', ')}, which is`} not a loopback or container address; Faultline loads only those unless you pass allowRemote: true`,
    )
  }
  return parsed
}

async function lookupAll(host: string, argument: string): Promise<{ address: string }[]> {
  try {
    return await lookup(host, { all: true })
  } catch (error) {
    throw new FaultlineArgumentError(argument, `cannot resolve ${host}: ${(error as Error).message}`)
  }
}

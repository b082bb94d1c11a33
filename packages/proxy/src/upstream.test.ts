import { afterEach, describe, expect, it } from 'vitest'
import { createProxy, type FaultProxy } from './proxy.js'
import { proxiedUrl, resolveUpstream } from './upstream.js'

describe('resolveUpstream', () => {
  it('takes host:port, a URL, anything with a url, or { host, port }', () => {
    expect(resolveUpstream('localhost:6379', 'upstream')).toEqual({
      endpoint: { host: 'localhost', port: 6379 },
      url: undefined,
      protocol: undefined,
    })
    const url = 'postgres://app:s3cret@db.local:5433/orders?sslmode=disable'
    expect(resolveUpstream(url, 'upstream')).toEqual({
      endpoint: { host: 'db.local', port: 5433 },
      url,
      protocol: 'postgres',
    })
    expect(resolveUpstream({ url: 'redis://:pw@[::1]:6380/2', host: 'ignored', port: 1 }, 'u')).toEqual({
      endpoint: { host: '::1', port: 6380 },
      url: 'redis://:pw@[::1]:6380/2',
      protocol: 'redis',
    })
    expect(resolveUpstream({ host: '[::1]', port: 5672 }, 'u').endpoint).toEqual({ host: '::1', port: 5672 })
  })

  it.each([
    ['postgresql://h/db', 'postgres', 5432],
    ['redis://h', 'redis', 6379],
    ['rediss://h', 'redis', 6379],
    ['amqp://h/%2F', 'amqp', 5672],
    ['amqps://h', 'amqp', 5671],
    ['http://h/health', undefined, 80],
  ])('infers the protocol and default port of %s', (url, protocol, port) => {
    expect(resolveUpstream(url, 'u')).toMatchObject({ protocol, endpoint: { host: 'h', port } })
  })

  it.each([
    [undefined, /expected the service: 'host:port'.*got undefined/],
    [{ port: 1 }, /got \{"port":1\}/],
    ['mysql://h/db', /names no port and mysql: has no known default/],
    ['postgres://:5432/db', /expected a URL with a host/],
  ])('names the argument and the fix for %j', (value, message) => {
    expect(() => resolveUpstream(value, 'options.upstream')).toThrow(message)
  })

  it('never shows a password in a message', () => {
    expect(() => resolveUpstream('postgres://u:hunter2@/db', 'u')).toThrow(/u:\*\*\*@/)
    expect(() => resolveUpstream('postgres://u:hunter2@/db', 'u')).not.toThrow(/hunter2/)
  })
})

describe('proxiedUrl', () => {
  const proxy = { host: '127.0.0.1', port: 41234 }
  it('replaces host and port, keeps user, password, database and query', () => {
    expect(
      proxiedUrl('postgres://app:p%40ss@localhost:5432/orders?sslmode=disable', proxy, {
        host: 'localhost',
        port: 5432,
      }),
    ).toBe('postgres://app:p%40ss@127.0.0.1:41234/orders?sslmode=disable')
    expect(
      proxiedUrl({ url: 'amqp://guest:guest@localhost:5672/test-vhost' }, proxy, { host: 'x', port: 5672 }),
    ).toBe('amqp://guest:guest@127.0.0.1:41234/test-vhost')
    expect(proxiedUrl('redis://:pw@localhost/3', { host: '::1', port: 7 }, { host: 'x', port: 6379 })).toBe(
      'redis://:pw@[::1]:7/3',
    )
  })

  it("refuses another service's URL", () => {
    expect(() =>
      proxiedUrl('redis://:pw@localhost:6380/3', proxy, { host: 'localhost', port: 6379 }, 'serviceUrl'),
    ).toThrow(
      /^serviceUrl: redis:\/\/:\*\*\*@localhost:6380\/3 is not the service this proxy forwards to \(localhost:6379\)/,
    )
  })
})

describe('createProxy({ upstream }) and proxy.url()', () => {
  const proxies: FaultProxy[] = []
  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close()
  })
  const start = async (options: Parameters<typeof createProxy>[0]): Promise<FaultProxy> => {
    const proxy = await createProxy(options)
    proxies.push(proxy)
    return proxy
  }

  it('frames the protocol the URL names, unless told otherwise', async () => {
    const db = { url: 'postgres://app:pw@127.0.0.1:9/orders' }
    const proxy = await start({ upstream: db })
    expect(proxy.protocol).toBe('postgres')
    expect(proxy.upstream).toBe('127.0.0.1:9')
    expect(proxy.url(db.url)).toBe(`postgres://app:pw@${proxy.endpoint}/orders`)
    expect(proxy.url(db)).toBe(proxy.url())
    expect((await start({ upstream: 'redis://127.0.0.1:9', protocol: 'amqp' })).protocol).toBe('amqp')
    expect((await start({ upstream: 'http://127.0.0.1:9/' })).protocol).toBeUndefined()
    expect((await start({ upstream: '127.0.0.1:9' })).protocol).toBeUndefined()
  })

  it('asks for the URL when the proxy was created from host:port', async () => {
    const proxy = await start({ upstream: { host: '127.0.0.1', port: 9 } })
    expect(() => proxy.url()).toThrow(expect.objectContaining({ code: 'PROXY_NO_URL' }))
    expect(proxy.url('redis://127.0.0.1:9/1')).toBe(`redis://${proxy.endpoint}/1`)
  })
})

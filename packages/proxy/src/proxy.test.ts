import { once } from 'node:events'
import type { Socket } from 'node:net'
import { isActiveFault, isFaultlineError, Timeline } from '@faultline/core'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { createProxy, type FaultProxy } from './proxy.js'
import type { FaultRecord } from './record.js'
import { collect, dial, echo, listen } from './test-support/net.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close()
})

async function proxyTo(
  endpoint: string,
  extra: Partial<Parameters<typeof createProxy>[0]> = {},
): Promise<FaultProxy> {
  const proxy = await createProxy({ upstream: endpoint, ...extra })
  cleanup.push(() => proxy.close())
  return proxy
}

// Writes `chunks` one by one, each in its own event-loop turn, so the proxy sees them as separate reads.
async function writeChunks(socket: Socket, chunks: readonly Uint8Array[]): Promise<void> {
  for (const chunk of chunks) {
    if (!socket.write(chunk)) await once(socket, 'drain')
    await new Promise((resolve) => setImmediate(resolve))
  }
  socket.end()
}

describe('createProxy', () => {
  it('listens on loopback with an ephemeral port and reports its endpoint', async () => {
    const service = await echo()
    cleanup.push(service.close)
    const proxy = await proxyTo(service.endpoint)
    expect(proxy.host).toBe('127.0.0.1')
    expect(proxy.port).toBeGreaterThan(0)
    expect(proxy.endpoint).toBe(`127.0.0.1:${proxy.port}`)
    expect(proxy.upstream).toBe(service.endpoint)
  })

  it('forwards random streams byte-exactly both ways, with random chunking and half-close', async () => {
    const chunks = fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { maxLength: 12 })
    await fc.assert(
      fc.asyncProperty(chunks, chunks, async (up, down) => {
        // The service reads the whole request to its end, then answers and ends: half-close both ways.
        let received: Promise<Buffer> = Promise.resolve(Buffer.alloc(0))
        const service = await listen((socket) => {
          const chunks: Buffer[] = []
          socket.on('data', (chunk: Buffer) => chunks.push(chunk))
          received = new Promise((resolve) =>
            socket.once('end', () => {
              resolve(Buffer.concat(chunks))
              void writeChunks(socket, down)
            }),
          )
        })
        const proxy = await createProxy({ upstream: service.endpoint })
        try {
          const client = await dial(proxy.port)
          const answer = collect(client)
          await writeChunks(client, up)
          const result = await answer
          expect(result.error).toBeUndefined()
          expect(result.data.equals(Buffer.concat(down))).toBe(true)
          expect((await received).equals(Buffer.concat(up))).toBe(true)
        } finally {
          await proxy.close()
          await service.close()
        }
      }),
      { numRuns: 25 },
    )
  })

  it('stays byte-exact under shaping faults (latency, jitter, slicer, bandwidth), healed mid-stream', async () => {
    const shaping = fc.record({
      latency: fc.option(
        fc.record({ ms: fc.integer({ min: 0, max: 3 }), jitter: fc.integer({ min: 0, max: 3 }) }),
      ),
      slicer: fc.option(
        fc.record({ size: fc.integer({ min: 1, max: 2000 }), delay: fc.integer({ min: 0, max: 1 }) }),
      ),
      bandwidth: fc.option(fc.integer({ min: 2_000_000, max: 20_000_000 })),
      direction: fc.constantFrom('upstream' as const, 'downstream' as const, 'both' as const),
      seed: fc.integer({ min: 0, max: 1000 }),
    })
    const payload = fc.uint8Array({ minLength: 1, maxLength: 200_000 })
    await fc.assert(
      fc.asyncProperty(shaping, payload, async (faults, bytes) => {
        const service = await echo()
        const proxy = await createProxy({ upstream: service.endpoint, seed: faults.seed })
        try {
          const { direction } = faults
          const applied = [
            faults.latency && proxy.latency({ ...faults.latency, direction }),
            faults.slicer && proxy.slicer({ ...faults.slicer, direction }),
            faults.bandwidth && proxy.bandwidth({ bytesPerSecond: faults.bandwidth, direction }),
          ]
          const client = await dial(proxy.port)
          const answer = collect(client)
          let echoed = 0
          client.on('data', (chunk: Buffer) => {
            echoed += chunk.length
          })
          client.end(bytes)
          // Heal while bytes are still in flight: what was shaped and what passes after must line up.
          await expect.poll(() => echoed > 0, { interval: 2 }).toBe(true)
          for (const fault of applied) if (fault) await fault.heal()
          expect((await answer).data.equals(Buffer.from(bytes))).toBe(true)
        } finally {
          await proxy.close()
          await service.close()
        }
      }),
      { numRuns: 15 },
    )
  })

  it('holds megabytes behind a black hole with back-pressure, then delivers them exactly', async () => {
    const service = await echo()
    cleanup.push(service.close)
    const proxy = await proxyTo(service.endpoint)
    const hole = proxy.blackHole({ direction: 'upstream' })
    const client = await dial(proxy.port)
    const answer = collect(client)
    const bytes = Buffer.alloc(24_000_000)
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32BE(i, i)
    const flushed = new Promise((resolve) => client.end(bytes, () => resolve(undefined)))
    await new Promise((resolve) => setTimeout(resolve, 200))
    // The sender is stopped by TCP back-pressure, not buffered without bound in the proxy.
    expect(client.writableLength).toBeGreaterThan(0)
    expect(proxy.stats().buffered).toBeLessThanOrEqual(1.5 * (1 << 20))
    await hole.heal()
    await flushed
    expect((await answer).data.equals(bytes)).toBe(true)
  })

  it('serves 1,000 concurrent connections, each byte-exact', async () => {
    const service = await echo()
    cleanup.push(service.close)
    const proxy = await proxyTo(service.endpoint)
    const results = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const client = await dial(proxy.port)
        const payload = Buffer.alloc(1024, i % 251)
        payload.writeUInt32BE(i, 0)
        const answer = collect(client)
        client.end(payload)
        return (await answer).data.equals(payload)
      }),
    )
    expect(results.filter(Boolean)).toHaveLength(1000)
    expect(proxy.stats().accepted).toBe(1000)
    // Both peers closed cleanly, so the proxy let go of every connection on its own.
    await expect.poll(() => proxy.stats().open).toBe(0)
  })

  it('runs many proxies at once, each on its own port', async () => {
    const service = await echo()
    cleanup.push(service.close)
    const proxies = await Promise.all(Array.from({ length: 20 }, () => proxyTo(service.endpoint)))
    expect(new Set(proxies.map((p) => p.port)).size).toBe(20)
    const answers = await Promise.all(
      proxies.map(async (p, i) => {
        const client = await dial(p.port)
        const answer = collect(client)
        client.end(`proxy ${i}`)
        return (await answer).data.toString()
      }),
    )
    expect(answers).toEqual(proxies.map((_, i) => `proxy ${i}`))
  })

  it('closes every socket and stops accepting on close()', async () => {
    const service = await echo()
    cleanup.push(service.close)
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const before = timers()
    const proxy = await createProxy({ upstream: service.endpoint })
    const clients = await Promise.all([dial(proxy.port), dial(proxy.port)])
    const closed = clients.map((c) => collect(c))
    proxy.latency({ ms: 10_000 })
    proxy.slowClose({ ms: 10_000 })
    clients[0]!.write('held in a latency timer')
    await expect.poll(timers).toBeGreaterThan(before)
    await proxy.close()
    expect(timers()).toBe(before)
    await Promise.all(closed)
    expect(proxy.stats().open).toBe(0)
    expect(proxy.records[0]!.healedAt).toBeTypeOf('number')
    const refused = await collect(
      (await import('node:net')).connect({ host: '127.0.0.1', port: proxy.port }).on('error', () => {}),
    )
    expect(refused.error).toBe('ECONNREFUSED')
  })

  it('resets the client when the upstream is unreachable', async () => {
    const service = await echo()
    await service.close()
    const proxy = await proxyTo(service.endpoint)
    const result = await collect(await dial(proxy.port))
    expect(result.error).toBe('ECONNRESET')
  })
})

describe('bad input', () => {
  const rejects = async (run: () => unknown, argument: string, text: RegExp): Promise<void> => {
    const error = await (async () => run())().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isFaultlineError(error)).toBe(true)
    expect(error).toMatchObject({ argument })
    expect(String((error as Error).message)).toMatch(text)
  }

  it('says what is wrong with the options', async () => {
    await rejects(
      () => createProxy({} as never),
      'options.upstream',
      /expected the service: 'host:port'.*got undefined/,
    )
    await rejects(() => createProxy({ upstream: 'localhost' }), 'options.upstream', /port from 1 to 65535/)
    await rejects(() => createProxy({ upstream: 'h:70000' }), 'options.upstream', /port from 1 to 65535/)
    await rejects(() => createProxy({ upstream: 'h:1', port: -1 }), 'options.port', /from 0 to 65535/)
    await rejects(
      () => createProxy({ upstream: 'h:1', protocol: 'mysql' as never }),
      'options.protocol',
      /expected one of 'postgres', 'redis', 'amqp', got "mysql"/,
    )
  })

  it('names a port in use', async () => {
    const service = await echo()
    cleanup.push(service.close)
    const error = await createProxy({ upstream: service.endpoint, port: service.port }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'PROXY_PORT_IN_USE' })
    expect((error as Error).message).toMatch(/port is in use/)
  })

  it('rejects wrong fault parameters', async () => {
    const proxy = await proxyTo('127.0.0.1:9')
    await rejects(() => proxy.latency({ ms: -5 }), 'options.ms', /expected a number of ms >= 0, got -5/)
    await rejects(() => proxy.latency({ ms: 5, jitter: Number.NaN }), 'options.jitter', /got NaN/)
    await rejects(
      () => proxy.latency({ ms: 5, direction: 'sideways' as never }),
      'options.direction',
      /'upstream'/,
    )
    await rejects(() => proxy.bandwidth({ bytesPerSecond: 0 }), 'options.bytesPerSecond', /> 0/)
    await rejects(() => proxy.slicer({ size: 0, delay: 1 }), 'options.size', />= 1/)
    await rejects(() => proxy.cutAfter({ bytes: 1.5 }), 'options.bytes', />= 0/)
    await rejects(() => proxy.reset({ probability: 2 }), 'options.probability', /from 0 to 1/)
    await rejects(() => proxy.trigger({} as never), 'matcher', /onPostgres.commit\(\)/)
    expect(proxy.records).toHaveLength(0)
  })

  it('refuses faults on a closed proxy', async () => {
    const proxy = await createProxy({ upstream: '127.0.0.1:9' })
    await proxy.close()
    expect(() => proxy.blackHole()).toThrow(/proxy to 127.0.0.1:9 is closed/)
  })
})

describe('timeline', () => {
  it('records each fault with its start and heal, and calls onFault', async () => {
    const events: Array<[string, 'start' | 'heal']> = []
    const proxy = await proxyTo('127.0.0.1:9', { seed: 7, onFault: (r, e) => events.push([r.name, e]) })
    {
      await using _slow = proxy.latency({ ms: 50, jitter: 5, direction: 'both' })
      const hole = proxy.blackHole({ direction: 'upstream', probability: 0.5 })
      await hole.heal()
      await hole.heal()
    }
    const [latency, hole] = proxy.records as [FaultRecord, FaultRecord]
    expect(latency).toMatchObject({
      name: 'latency both',
      kind: 'latency',
      direction: 'both',
      params: { ms: 50, jitter: 5 },
    })
    expect(hole).toMatchObject({
      name: 'blackHole upstream',
      kind: 'blackHole',
      params: { probability: 0.5 },
    })
    expect(latency.healedAt! >= latency.startedAt).toBe(true)
    expect(hole.healedAt! <= latency.healedAt!).toBe(true)
    expect(events).toEqual([
      ['latency both', 'start'],
      ['blackHole upstream', 'start'],
      ['blackHole upstream', 'heal'],
      ['latency both', 'heal'],
    ])
    expect(proxy.seed).toBe(7)
  })

  it("records on a shared timeline such as core's Timeline", async () => {
    const timeline = new Timeline()
    const proxy = await proxyTo('127.0.0.1:9', { timeline, protocol: 'redis' })
    const slow = proxy.latency({ ms: 5 })
    await slow.heal()
    proxy.trigger((await import('./protocols/matchers.js')).onRedis.command('EXEC'))
    const entries = timeline.entries()
    expect(entries).toMatchObject([
      { name: 'latency downstream', target: '127.0.0.1:9', startedAt: proxy.records[0]!.startedAt },
      { name: 'trigger redis EXEC', target: '127.0.0.1:9' },
    ])
    expect(entries[0]!.healedAt).toBe(proxy.records[0]!.healedAt)
    expect(entries[1]!.healedAt).toBeUndefined()
  })

  it('makes every fault an ActiveFault, recorded through one window', async () => {
    const timeline = new Timeline()
    const proxy = await proxyTo('127.0.0.1:9', { timeline })
    const slow = proxy.latency({ ms: 5 })
    expect(isActiveFault(slow)).toBe(true)
    expect(slow).toMatchObject({
      name: 'latency downstream',
      kind: 'latency',
      target: '127.0.0.1:9',
      active: true,
      healedAt: undefined,
    })
    expect(timeline.entries()[0]).toMatchObject({
      name: 'latency downstream',
      startedAt: slow.startedAt,
      details: { kind: 'latency', direction: 'downstream', params: { ms: 5, jitter: 0 }, seed: slow.seed },
    })
    await Promise.all([slow.heal(), slow.heal()])
    expect(slow.active).toBe(false)
    expect(slow.healedAt).toBe(timeline.entries()[0]!.healedAt)
    let disposed: { active: boolean } | undefined
    {
      await using hole = proxy.blackHole()
      disposed = hole
      expect(hole.active).toBe(true)
    }
    expect(disposed.active).toBe(false)
    expect(timeline.entries().map((e) => e.healedAt === undefined)).toEqual([false, false])
  })
})

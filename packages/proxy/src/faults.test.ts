import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createProxy, type FaultProxy } from './proxy.js'
import { collect, dial, echo, listen, readBytes, sleep } from './test-support/net.js'

// Each fault observed from a raw client against a loopback service. Timing is asserted as a lower bound
// (a fault guarantees at least its delay; how much more depends on the machine), and from above only
// against a baseline measured in the same test, with margins a 10x slower machine still meets.

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close()
})

async function setup(
  service?: Awaited<ReturnType<typeof listen>>,
  seed?: number,
): Promise<{ proxy: FaultProxy; service: Awaited<ReturnType<typeof listen>> }> {
  const svc = service ?? (await echo())
  cleanup.push(svc.close)
  const proxy = await createProxy({ upstream: svc.endpoint, seed })
  cleanup.push(() => proxy.close())
  return { proxy, service: svc }
}

// What an echo service sends back for `payload`, and how long the round trip took.
async function roundTrip(socket: Socket, payload: string): Promise<{ echoed: string; ms: number }> {
  const start = performance.now()
  const answer = readBytes(socket, payload.length)
  socket.write(payload)
  const echoed = (await answer).toString()
  return { echoed, ms: performance.now() - start }
}

// The fastest of a few round trips: what the path costs, without the machine's occasional stalls.
async function fastest(socket: Socket, times: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < times; i++) {
    const { echoed, ms } = await roundTrip(socket, `probe ${i}`)
    expect(echoed).toBe(`probe ${i}`)
    best = Math.min(best, ms)
  }
  return best
}

// Whether `socket` receives anything within `ms`; used to show a fault lets nothing through.
async function silentFor(socket: Socket, ms: number): Promise<boolean> {
  let got = false
  const onData = (): void => {
    got = true
  }
  socket.on('data', onData)
  await sleep(ms)
  socket.off('data', onData)
  return !got
}

describe('latency', () => {
  it('delays each direction by at least ms, and heals on an open connection', async () => {
    const { proxy } = await setup()
    const client = await dial(proxy.port)
    const baseline = await fastest(client, 5)
    const slow = proxy.latency({ ms: 60, jitter: 10, direction: 'both' })
    // 50-70 ms each way: every round trip takes at least 100 ms.
    expect(await fastest(client, 2)).toBeGreaterThanOrEqual(2 * 50)
    await slow.heal()
    // Healed, the same connection adds less than even one direction's minimum delay.
    expect((await fastest(client, 5)) - baseline).toBeLessThan(50)
    client.destroy()
  })

  it('applies only to the named direction', async () => {
    const received: Buffer[] = []
    const service = await listen((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)))
    const { proxy } = await setup(service)
    await using _slow = proxy.latency({ ms: 10_000, direction: 'downstream' })
    const client = await dial(proxy.port)
    client.write('upstream is not delayed')
    await expect
      .poll(() => Buffer.concat(received).toString(), { timeout: 5_000 })
      .toBe('upstream is not delayed')
    client.destroy()
  })
})

describe('bandwidth', () => {
  it('limits throughput per connection and direction', async () => {
    const { proxy } = await setup()
    const client = await dial(proxy.port)
    await using _narrow = proxy.bandwidth({ bytesPerSecond: 100_000 })
    const start = performance.now()
    const answer = readBytes(client, 30_000)
    client.write(Buffer.alloc(30_000, 7))
    expect((await answer).length).toBe(30_000)
    // 30 kB at 100 kB/s with a 20 ms burst: at least 280 ms.
    expect(performance.now() - start).toBeGreaterThanOrEqual(279)
    client.destroy()
  })
})

describe('blackHole', () => {
  it('accepts, forwards nothing and never closes; healing delivers what waited', async () => {
    const { proxy } = await setup()
    const hole = proxy.blackHole()
    const client = await dial(proxy.port)
    const closed = collect(client)
    const answer = readBytes(client, 5)
    client.write('hello')
    expect(await silentFor(client, 300)).toBe(true)
    expect(client.destroyed).toBe(false)
    await hole.heal()
    expect((await answer).toString()).toBe('hello')
    client.end()
    expect((await closed).error).toBeUndefined()
  })
})

describe('reset', () => {
  it('resets open connections and new ones while active; healed, connections work again', async () => {
    const { proxy } = await setup()
    const open = await dial(proxy.port)
    const openResult = collect(open)
    const reset = proxy.reset()
    expect((await openResult).error).toBe('ECONNRESET')
    const during = await collect(await dial(proxy.port))
    expect(during.error).toBe('ECONNRESET')
    await reset.heal()
    const after = await dial(proxy.port)
    expect((await roundTrip(after, 'back')).echoed).toBe('back')
    after.destroy()
  })

  it('sends the RST only to the named side', async () => {
    let serverSide: Promise<{ error: string | undefined; ended: boolean }> | undefined
    const service = await listen((socket) => {
      serverSide = collect(socket)
    })
    const { proxy } = await setup(service)
    const client = await dial(proxy.port)
    const clientSide = collect(client)
    await expect.poll(() => serverSide !== undefined).toBe(true)
    proxy.reset({ direction: 'downstream' })
    expect((await clientSide).error).toBe('ECONNRESET')
    expect(await serverSide).toMatchObject({ error: undefined, ended: true })
  })
})

describe('refuse', () => {
  it('refuses new connections, keeps open ones, and listens again on the same port when healed', async () => {
    const { proxy } = await setup()
    const open = await dial(proxy.port)
    const port = proxy.port
    const down = proxy.refuse()
    const refused = await collect(connect({ host: '127.0.0.1', port }))
    expect(refused.error).toBe('ECONNREFUSED')
    expect((await roundTrip(open, 'still here')).echoed).toBe('still here')
    await down.heal()
    expect(proxy.port).toBe(port)
    const again = await dial(port)
    expect((await roundTrip(again, 'up')).echoed).toBe('up')
    again.destroy()
    open.destroy()
  })
})

describe('slowClose', () => {
  it('passes the FIN on late, after the data', async () => {
    const service = await listen((socket) => socket.end('bye'))
    const { proxy } = await setup(service)
    await using _slow = proxy.slowClose({ ms: 200, direction: 'downstream' })
    const client = await dial(proxy.port)
    const start = performance.now()
    const data = await readBytes(client, 3)
    expect(data.toString()).toBe('bye')
    await once(client, 'end')
    expect(performance.now() - start).toBeGreaterThanOrEqual(199)
    client.destroy()
  })
})

describe('slicer', () => {
  it('splits data into small delayed pieces, byte-exact', async () => {
    const payload = Buffer.from('0123456789'.repeat(10))
    const service = await listen((socket) => socket.end(payload))
    const { proxy } = await setup(service)
    await using _sliced = proxy.slicer({ size: 10, sizeVariation: 3, delay: 5 })
    const client = await dial(proxy.port)
    let reads = 0
    client.on('data', () => reads++)
    const result = await collect(client)
    expect(result.data.equals(payload)).toBe(true)
    expect(reads).toBeGreaterThan(1)
  })
})

describe('cutAfter', () => {
  it('forwards exactly N bytes, then resets', async () => {
    let serverSide: Promise<{ data: Buffer; error: string | undefined; ended: boolean }> | undefined
    const service = await listen((socket) => {
      serverSide = collect(socket)
    })
    const { proxy } = await setup(service)
    await using _cut = proxy.cutAfter({ bytes: 100, direction: 'upstream' })
    const client = await dial(proxy.port)
    const clientSide = collect(client)
    client.write(Buffer.alloc(60, 1))
    await sleep(20)
    client.write(Buffer.alloc(60, 2))
    expect((await clientSide).error).toBe('ECONNRESET')
    await expect.poll(() => serverSide !== undefined).toBe(true)
    const server = await serverSide!
    expect(server.data.length).toBe(100)
    // The RST follows the last bytes at once; Linux then reports EOF rather than ECONNRESET to a reader
    // that had not read those bytes yet. Either way the service's connection is over.
    expect(server.error === 'ECONNRESET' || server.ended).toBe(true)
  })

  it('behind a backlogged service, still delivers all N bytes before the RST', async () => {
    const chunks: Buffer[] = []
    let serverSocket: Socket | undefined
    let serverEnd: string | undefined
    const service = await listen((socket) => {
      serverSocket = socket
      socket.pause() // reads nothing until the cut has happened: every forwarded byte waits in buffers
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('end', () => {
        serverEnd = 'end'
      })
      socket.on('error', (e: NodeJS.ErrnoException) => {
        serverEnd = e.code ?? e.message
      })
    })
    const { proxy } = await setup(service)
    const bytes = 3 << 20
    await using _cut = proxy.cutAfter({ bytes, direction: 'upstream' })
    const client = await dial(proxy.port)
    const clientSide = collect(client)
    const payload = Buffer.alloc(6 << 20)
    for (let i = 0; i + 4 <= payload.length; i += 4) payload.writeUInt32BE(i, i)
    client.write(payload)
    // The client's side is reset once N bytes have been forwarded, long before the service reads them.
    expect((await clientSide).error).toBe('ECONNRESET')
    serverSocket!.resume()
    await expect.poll(() => serverEnd, { timeout: 10_000 }).toBeDefined()
    const received = Buffer.concat(chunks)
    expect(received.length).toBe(bytes)
    expect(received.equals(payload.subarray(0, bytes))).toBe(true)
  })

  it('can end with a FIN instead', async () => {
    const { proxy } = await setup()
    await using _cut = proxy.cutAfter({ bytes: 10, direction: 'downstream', mode: 'close' })
    const client = await dial(proxy.port)
    const result = collect(client)
    client.write('0123456789abcdef')
    expect(await result).toMatchObject({ error: undefined, ended: true })
    expect((await result).data.toString()).toBe('0123456789')
  })
})

describe('probability with a seed', () => {
  async function resetIds(seed: number): Promise<number[]> {
    const { proxy } = await setup(undefined, seed)
    const fault = proxy.reset({ probability: 0.5 })
    const outcomes: boolean[] = []
    for (let i = 0; i < 20; i++) {
      const client = await dial(proxy.port)
      const result = collect(client)
      // A connection the fault skipped echoes; a selected one is reset.
      client.end('x')
      outcomes.push((await result).error === 'ECONNRESET')
    }
    expect(fault.affected).toBe(outcomes.filter(Boolean).length)
    return outcomes.flatMap((reset, i) => (reset ? [i + 1] : []))
  }

  it('selects the same connections for the same seed', async () => {
    const first = await resetIds(42)
    expect(first.length).toBeGreaterThan(0)
    expect(first.length).toBeLessThan(20)
    expect(await resetIds(42)).toEqual(first)
    expect(await resetIds(43)).not.toEqual(first)
  })
})

describe('resets and healing', () => {
  it('passes an RST from the client on to the service, and one from the service on to the client', async () => {
    const sides: Array<Promise<{ error: string | undefined }>> = []
    const service = await listen((socket) => {
      sides.push(collect(socket))
      socket.on('data', () => socket.resetAndDestroy())
    })
    const { proxy } = await setup(service)
    const first = await dial(proxy.port)
    await expect.poll(() => sides.length).toBe(1)
    first.resetAndDestroy()
    expect((await sides[0]!).error).toBe('ECONNRESET')
    const second = await dial(proxy.port)
    const result = collect(second)
    second.write('answer me with an RST')
    expect((await result).error).toBe('ECONNRESET')
  })

  it('bandwidth healed: an open connection is back at full speed', async () => {
    const { proxy } = await setup()
    const client = await dial(proxy.port)
    const narrow = proxy.bandwidth({ bytesPerSecond: 1_000 })
    await narrow.heal()
    const answer = readBytes(client, 200_000)
    client.write(Buffer.alloc(200_000, 3))
    expect((await answer).length).toBe(200_000)
    client.destroy()
  })
})

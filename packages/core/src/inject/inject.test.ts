import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { FaultlineArgumentError } from '../errors.js'
import { Timeline } from '../timeline.js'
import { isInjectedFault } from './errors.js'
import { injectFault, injectMethod } from './inject.js'

const echo = async (x: number): Promise<number> => x

// Which of `n` calls the fault hit, as indices.
async function hits(seed: number, n: number, rate: number): Promise<number[]> {
  await using fault = injectFault(echo, { kind: 'error', rate, seed })
  const hit: number[] = []
  for (let i = 0; i < n; i++) await fault.fn(i).catch(() => hit.push(i))
  return hit
}

describe('injectFault', () => {
  it('throws an InjectedFaultError by default, and counts calls and faults', async () => {
    await using fault = injectFault(echo, { kind: 'error' })
    const error = await fault.fn(1).catch((e: unknown) => e)
    expect(isInjectedFault(error)).toBe(true)
    expect(String(error)).toBe('InjectedFaultError: injected fault: error echo')
    expect(fault.stats()).toEqual({ calls: 1, matched: 1, injected: 1, waiting: 0 })
  })

  it('hits a share of calls at a rate, the same ones for the same seed', async () => {
    const a = await hits(42, 1000, 0.3)
    expect(await hits(42, 1000, 0.3)).toEqual(a)
    expect(await hits(43, 1000, 0.3)).not.toEqual(a)
    expect(a.length).toBeGreaterThan(240)
    expect(a.length).toBeLessThan(360)
    expect(await hits(1, 100, 0)).toEqual([])
  })

  it('only hits calls that match `when` (one tenant)', async () => {
    const call = async (req: { tenant: string }) => `ok ${req.tenant}`
    await using fault = injectFault(call, {
      kind: 'error',
      error: (req) => new Error(`down for ${req.tenant}`),
      when: (req) => req.tenant === 'a',
    })
    await expect(fault.fn({ tenant: 'a' })).rejects.toThrow('down for a')
    await expect(fault.fn({ tenant: 'b' })).resolves.toBe('ok b')
    expect(fault.stats()).toMatchObject({ calls: 2, matched: 1, injected: 1 })
  })

  it('returns a chosen outcome instead of calling through', async () => {
    let reached = 0
    const fetchUser = async (id: number) => {
      reached++
      return { id, status: 200 }
    }
    await using fault = injectFault(fetchUser, { kind: 'outcome', outcome: (id) => ({ id, status: 503 }) })
    await expect(fault.fn(7)).resolves.toEqual({ id: 7, status: 503 })
    expect(reached).toBe(0)
  })

  it('adds latency, then calls through', async () => {
    await using fault = injectFault(echo, { kind: 'latency', ms: 100, jitter: 20, seed: 1 })
    const start = performance.now()
    await expect(fault.fn(5)).resolves.toBe(5)
    expect(performance.now() - start).toBeGreaterThanOrEqual(95)
  })

  it('a black hole holds calls until the call signal aborts, rejecting with its reason', async () => {
    await using fault = injectFault(async (_q: string, _o: { signal: AbortSignal }) => 'answer', {
      kind: 'blackHole',
    })
    const reason = new Error('client timeout')
    const controller = new AbortController()
    const pending = fault.fn('hi', { signal: controller.signal })
    await sleep(20)
    expect(fault.stats().waiting).toBe(1)
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect(fault.stats().waiting).toBe(0)
  })

  it('a black hole holds calls until healed, then calls through; healed faults hit nothing', async () => {
    const fault = injectFault(echo, { kind: 'blackHole' })
    const pending = fault.fn(3)
    await sleep(20)
    await fault.heal()
    await expect(pending).resolves.toBe(3)
    await expect(fault.fn(4)).resolves.toBe(4)
    expect(fault.stats()).toMatchObject({ calls: 2, injected: 1, waiting: 0 })
    expect(fault.healedAt).toBeTypeOf('number')
  })

  it('records each enabled window on the timeline, only while enabled', async () => {
    const timeline = new Timeline()
    await using fault = injectFault(echo, {
      kind: 'error',
      enabled: false,
      timeline,
      name: 'llm down',
      target: 'llm',
      seed: 9,
    })
    await expect(fault.fn(1)).resolves.toBe(1)
    fault.enable()
    await expect(fault.fn(2)).rejects.toThrow('injected fault: llm down')
    await fault.heal()
    fault.enable()
    const entries = timeline.entries()
    expect(entries).toHaveLength(2)
    expect(entries[0]).toMatchObject({
      name: 'llm down',
      target: 'llm',
      details: { kind: 'error', rate: 1, seed: 9 },
    })
    expect(entries[0]?.healedAt).toBeTypeOf('number')
    expect(entries[1]?.healedAt).toBeUndefined()
    await fault[Symbol.asyncDispose]()
    expect(timeline.entries()[1]?.healedAt).toBeTypeOf('number')
  })

  it('rejects bad input with a clear error', () => {
    expect(() => injectFault(echo, { kind: 'error', rate: 1.5 })).toThrowError(
      new FaultlineArgumentError('options.rate', 'expected a number from 0 to 1, got 1.5'),
    )
    expect(() => injectFault(echo, { kind: 'explode' } as never)).toThrowError(
      `options.kind: expected one of 'error', 'outcome', 'latency', 'blackHole', got "explode"`,
    )
    expect(() => injectFault(echo, { kind: 'latency', ms: -5 })).toThrowError(
      'options.ms: expected a number of ms >= 0, got -5',
    )
    expect(() => injectFault(echo, { kind: 'latency', ms: 5, jitter: Number.NaN })).toThrowError(
      'options.jitter: expected a number of ms >= 0, got NaN',
    )
    expect(() => injectFault(echo, { kind: 'outcome' } as never)).toThrowError(
      'options.outcome: expected a function, got undefined',
    )
    expect(() => injectFault('echo' as never, { kind: 'error' })).toThrowError(
      'fn: expected a function, got "echo"',
    )
  })
})

describe('injectMethod', () => {
  class Client {
    constructor(readonly base: string) {}
    async get(path: string): Promise<string> {
      return `${this.base}${path}`
    }
  }

  it('replaces a method with `this` intact, and puts the original back on dispose', async () => {
    const client = new Client('http://x')
    {
      await using fault = injectMethod(client, 'get', { kind: 'error', when: (path) => path === '/boom' })
      await expect(client.get('/ok')).resolves.toBe('http://x/ok')
      await expect(client.get('/boom')).rejects.toThrow('injected fault: error get')
      expect(fault.stats().injected).toBe(1)
      expect(Object.hasOwn(client, 'get')).toBe(true)
    }
    expect(Object.hasOwn(client, 'get')).toBe(false)
    await expect(client.get('/boom')).resolves.toBe('http://x/boom')
  })

  it('releases calls held in a black hole when disposed, so nothing outlives the test', async () => {
    const client = new Client('http://x')
    const fault = injectMethod(client, 'get', { kind: 'blackHole' })
    const pending = client.get('/slow')
    await fault[Symbol.asyncDispose]()
    await expect(pending).resolves.toBe('http://x/slow')
  })

  it('names a missing method', () => {
    expect(() => injectMethod(new Client('x'), 'nope' as 'get', { kind: 'blackHole' })).toThrowError(
      'method: expected the name of a method of the target, got "nope" (undefined on the target)',
    )
  })
})

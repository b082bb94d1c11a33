// The one fault lifecycle on an in-process injector: apply -> active fault -> await heal() / await using,
// each enabled window on the timeline through FaultWindow.
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type ActiveFault, isActiveFault } from '../fault.js'
import { Timeline } from '../timeline.js'
import { InjectedFault } from './fault.js'
import { injectFault, injectMethod } from './inject.js'

const echo = async (x: number): Promise<number> => x

describe('InjectedFault', () => {
  it('has the ActiveFault shape', () => {
    expectTypeOf<InjectedFault>().toMatchTypeOf<ActiveFault>()
    expectTypeOf<InjectedFault['heal']>().returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf(injectFault(echo, { kind: 'error' })).toMatchTypeOf<ActiveFault>()
    const fault = injectFault(echo, { kind: 'error' })
    expect(isActiveFault(fault)).toBe(true)
    expect(fault).toBeInstanceOf(InjectedFault)
    expect(fault).toMatchObject({ name: 'error echo', target: undefined, active: true, healedAt: undefined })
    expect(fault.startedAt).toBeTypeOf('number')
  })

  it('heal() is async and idempotent', async () => {
    const fault = injectFault(echo, { kind: 'error', name: 'down' })
    const healing = fault.heal()
    expect(healing).toBeInstanceOf(Promise)
    await healing
    expect(fault.active).toBe(false)
    const healedAt = fault.healedAt
    expect(healedAt).toBeGreaterThanOrEqual(fault.startedAt)
    await fault.heal()
    await Promise.all([fault.heal(), fault.heal()])
    expect(fault.healedAt).toBe(healedAt)
    await expect(fault.fn(1)).resolves.toBe(1)
  })

  it('`await using` heals it at the end of the block, and closes its window on the timeline', async () => {
    const timeline = new Timeline()
    let kept: InjectedFault<[number], number> | undefined
    {
      await using fault = injectFault(echo, { kind: 'error', name: 'llm down', target: 'llm', timeline })
      kept = fault
      expect(timeline.entries()).toEqual([
        expect.objectContaining({ name: 'llm down', target: 'llm', startedAt: fault.startedAt }),
      ])
      expect(timeline.entries()[0]?.healedAt).toBeUndefined()
    }
    expect(kept.active).toBe(false)
    expect(timeline.entries()).toEqual([
      expect.objectContaining({ name: 'llm down', startedAt: kept.startedAt, healedAt: kept.healedAt }),
    ])
  })

  it('re-enabling opens a new window; disable() closes it synchronously', () => {
    const timeline = new Timeline()
    const fault = injectFault(echo, { kind: 'latency', ms: 1, timeline })
    fault.disable()
    const first = { startedAt: fault.startedAt, healedAt: fault.healedAt }
    fault.enable()
    expect(fault.active).toBe(true)
    expect(fault.healedAt).toBeUndefined()
    expect(fault.startedAt).toBeGreaterThanOrEqual(first.healedAt ?? Number.NaN)
    fault[Symbol.dispose]()
    const entries = timeline.entries()
    expect(entries).toHaveLength(2)
    expect(entries[0]).toMatchObject(first)
    expect(entries[1]).toMatchObject({ startedAt: fault.startedAt, healedAt: fault.healedAt })
    fault.enable() // disposed: stays off
    expect(fault.active).toBe(false)
  })

  it('never enabled: not active, not healed, and no window', async () => {
    const timeline = new Timeline()
    const fault = injectFault(echo, { kind: 'error', enabled: false, timeline })
    expect(fault).toMatchObject({ active: false, healedAt: undefined })
    await fault.heal()
    expect(timeline.entries()).toEqual([])
  })

  it('`using` (sync dispose) puts a method back', () => {
    const client = { get: async (path: string) => `ok ${path}` }
    const original = client.get
    {
      using fault = injectMethod(client, 'get', { kind: 'error' })
      expect(client.get).not.toBe(original)
      expect(fault.active).toBe(true)
    }
    expect(client.get).toBe(original)
  })
})

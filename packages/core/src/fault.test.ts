import { describe, expect, expectTypeOf, it } from 'vitest'
import { type ActiveFault, AppliedFault, isActiveFault } from './fault.js'
import { Timeline } from './timeline.js'

// A fault whose undo the test controls: sync, async, or failing the first `failures` times.
class Switch extends AppliedFault {
  undone = 0
  failures = 0
  constructor(
    readonly state: { on: boolean },
    timeline?: Timeline,
    readonly wait?: Promise<void>,
  ) {
    super('switch off', { timeline, target: 'switch' })
    state.on = false
  }
  protected undo(): void | Promise<void> {
    this.undone++
    if (this.failures > 0) {
      this.failures--
      throw new Error('could not switch back')
    }
    if (this.wait) {
      return this.wait.then(() => {
        this.state.on = true
      })
    }
    this.state.on = true
  }
}

describe('AppliedFault', () => {
  it('is an ActiveFault', () => {
    expectTypeOf<Switch>().toMatchTypeOf<ActiveFault>()
    expect(isActiveFault(new Switch({ on: true }))).toBe(true)
  })

  it('a synchronous undo has taken effect, and the fault reads healed, when heal() returns', async () => {
    const state = { on: true }
    const fault = new Switch(state)
    const healing = fault.heal()
    expect(state.on).toBe(true)
    expect(fault.active).toBe(false)
    await healing
    expect(fault.healedAt).toBeGreaterThanOrEqual(fault.startedAt)
  })

  it('heals once: concurrent calls share one attempt, later calls do nothing', async () => {
    let release = (): void => {}
    const wait = new Promise<void>((resolve) => {
      release = resolve
    })
    const fault = new Switch({ on: true }, undefined, wait)
    const first = fault.heal()
    const second = fault.heal()
    expect(fault.active).toBe(true)
    release()
    await Promise.all([first, second])
    await fault.heal()
    expect(fault.undone).toBe(1)
    expect(fault.active).toBe(false)
  })

  it('a failed undo leaves the fault active, and heal() can be retried', async () => {
    const state = { on: true }
    const fault = new Switch(state)
    fault.failures = 1
    await expect(fault.heal()).rejects.toThrow('could not switch back')
    expect(fault.active).toBe(true)
    await fault.heal()
    expect(state.on).toBe(true)
    expect(fault.undone).toBe(2)
  })

  it('records one window on the timeline, closed at heal; await using heals', async () => {
    const timeline = new Timeline()
    const state = { on: true }
    {
      await using fault = new Switch(state, timeline)
      expect(timeline.entries()).toEqual([
        { name: 'switch off', target: 'switch', startedAt: fault.startedAt },
      ])
    }
    expect(state.on).toBe(true)
    const [entry] = timeline.entries()
    expect(entry?.healedAt).toBeGreaterThanOrEqual(entry?.startedAt ?? Number.POSITIVE_INFINITY)
  })
})

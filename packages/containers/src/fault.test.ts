import { isActiveFault, now, Timeline } from '@faultline/core'
import { describe, expect, test } from 'vitest'
import { ContainerFault } from './fault.js'

function fault(bringBack: () => Promise<void>, timeline?: Timeline) {
  const healed: ContainerFault[] = []
  const made = new ContainerFault({
    service: 'pg',
    kind: 'paused',
    at: now(),
    timeline,
    bringBack,
    onHealed: (f) => healed.push(f),
  })
  return { made, healed }
}

describe('ContainerFault', () => {
  test('heals once: concurrent and later heals share the first attempt', async () => {
    let calls = 0
    let release!: () => void
    const { made, healed } = fault(
      () =>
        new Promise<void>((resolve) => {
          calls++
          release = resolve
        }),
    )
    expect(made.active).toBe(true)
    expect(isActiveFault(made)).toBe(true)
    const first = made.heal()
    const second = made.heal()
    release()
    await Promise.all([first, second])
    await made.heal()
    await made[Symbol.asyncDispose]()
    expect(calls).toBe(1)
    expect(made.active).toBe(false)
    expect(healed).toEqual([made])
  })

  test('a failed heal leaves the fault active, and the next heal tries again', async () => {
    let calls = 0
    const { made } = fault(async () => {
      calls++
      if (calls === 1) throw new Error('service did not answer')
    })
    await expect(made.heal()).rejects.toThrow('service did not answer')
    expect(made.active).toBe(true)
    expect(made.healedAt).toBeUndefined()
    await made.heal()
    expect(made.active).toBe(false)
    expect(calls).toBe(2)
  })

  test('its window on the timeline closes when it heals, and settle() heals without bringing back', async () => {
    const timeline = new Timeline()
    let calls = 0
    const { made } = fault(async () => {
      calls++
    }, timeline)
    expect(timeline.entries()[0]?.healedAt).toBeUndefined()
    made.settle()
    await made.heal()
    expect(calls).toBe(0)
    expect(made.name).toBe('pg paused')
    expect(made.target).toBe('pg')
    expect(timeline.entries()[0]).toMatchObject({
      name: 'pg paused',
      target: 'pg',
      startedAt: made.startedAt,
      healedAt: made.healedAt,
    })
  })
})

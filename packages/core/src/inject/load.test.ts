// Injectors under the load engine: the task's signal ends a black hole at the load timeout, a seeded rate gives
// the same errors for the same seed, and the fault's windows come out on the report.
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { load } from '../load/load.js'
import { Timeline } from '../timeline.js'
import { injectFault } from './inject.js'

const work = async (_ctx: { signal: AbortSignal }) => {
  await sleep(1)
}

describe('injectors under load', () => {
  it('an error fault at rate 0.2 fails about a fifth of the calls, recorded on the report', async () => {
    const timeline = new Timeline()
    await using fault = injectFault(work, {
      kind: 'error',
      rate: 0.2,
      seed: 42,
      timeline,
      name: 'api errors',
    })
    const report = await load(fault.fn, { concurrency: 4, count: 500, timeline, seed: 1 })
    const { injected } = fault.stats()
    expect(report.errors).toBe(injected)
    expect(injected / 500).toBeGreaterThan(0.12)
    expect(injected / 500).toBeLessThan(0.28)
    expect(report.faults.map((f) => f.name)).toEqual(['api errors'])
  })

  it('a black hole ends at the load timeout through the task signal, and leaves nothing waiting', async () => {
    await using fault = injectFault(work, { kind: 'blackHole', rate: 0.5, seed: 7 })
    const report = await load(fault.fn, { concurrency: 4, count: 20, timeout: 100 })
    expect(report.count).toBe(20)
    expect(report.errors).toBe(fault.stats().injected)
    expect(fault.stats().waiting).toBe(0)
  })
})

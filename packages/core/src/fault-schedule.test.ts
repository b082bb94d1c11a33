// scheduleFaults with in-process injectors beside a real load run: each fault on the report's timeline in
// its window, every one healed at the end whatever happened. Assertions are about order and counts
// (errors inside the fault's window, none outside), never about how fast the machine is.
import { describe, expect, it } from 'vitest'
import { isFaultlineError } from './errors.js'
import { AppliedFault } from './fault.js'
import { scheduleFaults } from './fault-schedule.js'
import { injectMethod } from './inject/inject.js'
import { load } from './load/load.js'
import { Timeline } from './timeline.js'

function prices() {
  return { get: async (_sku: string) => 42 }
}

class Flag extends AppliedFault {
  constructor(
    readonly flags: Set<string>,
    name: string,
    timeline?: Timeline,
  ) {
    super(name, { timeline, target: 'flags' })
    flags.add(name)
  }
  protected undo(): void {
    this.flags.delete(this.name)
  }
}

describe('scheduleFaults', () => {
  it('applies each fault at its time beside a load, on the report timeline, and heals it after its duration', async () => {
    const client = prices()
    const original = client.get
    const timeline = new Timeline()
    await using faults = scheduleFaults(
      [
        {
          at: 300,
          duration: 400,
          apply: ({ timeline }) =>
            injectMethod(client, 'get', { kind: 'error', timeline, name: 'prices down' }),
        },
      ],
      { timeline },
    )
    const report = await load(() => client.get('sku'), {
      concurrency: 2,
      duration: 1_500,
      interval: 100,
      timeline,
    })
    await faults.heal()
    expect(faults.errors).toEqual([])
    const [entry] = report.faults
    expect(entry?.name).toBe('prices down')
    expect(entry?.startedAt).toBeGreaterThanOrEqual(faults.startedAt + 300)
    expect((entry?.healedAt ?? 0) - (entry?.startedAt ?? 0)).toBeGreaterThanOrEqual(400)
    expect(report.during('prices down').errors).toBeGreaterThan(0)
    // Before the fault (widened to whole intervals, so up to the interval it started in) and after its heal.
    const startMs = (entry?.startedAt ?? 0) - report.startedAt
    const healMs = (entry?.healedAt ?? 0) - report.startedAt
    const before = Math.floor(startMs / 100) * 100 - 100
    if (before > 0) expect(report.window(0, before).errors).toBe(0)
    const after = Math.ceil(healMs / 100) * 100 + 100
    if (after < 1_500) expect(report.window(after, 1_500).errors).toBe(0)
    expect(client.get).toBe(original)
    expect(faults.applied.map((f) => f.active)).toEqual([false])
  })

  it('heals a fault without a duration when the schedule ends, and skips faults not yet due', async () => {
    const flags = new Set<string>()
    const timeline = new Timeline()
    const faults = scheduleFaults(
      [
        { at: 0, apply: ({ timeline }) => new Flag(flags, 'cache off', timeline) },
        { at: 60_000, apply: ({ timeline }) => new Flag(flags, 'never', timeline) },
      ],
      { timeline },
    )
    await expect.poll(() => flags.has('cache off')).toBe(true)
    expect(faults.active).toBe(true)
    await faults.heal()
    expect(flags.size).toBe(0)
    expect(faults.active).toBe(false)
    expect(timeline.entries().map((e) => [e.name, e.healedAt !== undefined])).toEqual([['cache off', true]])
  })

  it('heals every fault when the code beside it throws (await using)', async () => {
    const flags = new Set<string>()
    const run = async () => {
      await using _faults = scheduleFaults([
        { at: 0, apply: ({ timeline }) => new Flag(flags, 'a', timeline) },
        { at: 0, duration: 60_000, apply: ({ timeline }) => new Flag(flags, 'b', timeline) },
      ])
      await expect.poll(() => flags.size).toBe(2)
      throw new Error('the load failed')
    }
    await expect(run()).rejects.toThrow('the load failed')
    expect(flags.size).toBe(0)
  })

  it('keeps going when an apply throws, heals the rest, and rejects naming it', async () => {
    const flags = new Set<string>()
    const faults = scheduleFaults([
      {
        at: 0,
        apply: () => {
          throw new Error('docker is down')
        },
      },
      { at: 0, apply: ({ timeline }) => new Flag(flags, 'b', timeline) },
      { at: 0, apply: () => 'not a fault' as never },
    ])
    await expect.poll(() => faults.errors.length).toBe(2)
    expect(flags.has('b')).toBe(true)
    const error = await faults.heal().catch((e: unknown) => e)
    expect(isFaultlineError(error) && error.code).toBe('FAULT_SCHEDULE_FAILED')
    expect((error as Error).message).toBe(
      `the fault schedule failed (every applied fault was healed): faults[0] (at 0 ms) apply: docker is down; faults[2] (at 0 ms) apply: apply returned "not a fault", not an ActiveFault (a fault with heal())`,
    )
    expect(flags.size).toBe(0)
  })

  it('retries a heal that threw once more at the end', async () => {
    let attempts = 0
    class Stubborn extends AppliedFault {
      constructor() {
        super('stubborn')
      }
      protected undo(): void {
        if (++attempts === 1) throw new Error('busy')
      }
    }
    const faults = scheduleFaults([{ at: 0, duration: 1, apply: () => new Stubborn() }])
    await expect.poll(() => faults.errors.length).toBe(1)
    await expect(faults.heal()).rejects.toThrow('faults[0] (at 0 ms) heal stubborn: busy')
    expect(attempts).toBe(2)
    expect(faults.applied[0]?.active).toBe(false)
  })

  it('ends when its signal aborts', async () => {
    const flags = new Set<string>()
    const controller = new AbortController()
    const faults = scheduleFaults([{ at: 0, apply: ({ timeline }) => new Flag(flags, 'a', timeline) }], {
      signal: controller.signal,
    })
    await expect.poll(() => flags.size).toBe(1)
    controller.abort()
    await expect.poll(() => flags.size).toBe(0)
    expect(faults.active).toBe(false)
    await faults.heal()
  })

  it('rejects a schedule it cannot run, naming the argument', () => {
    expect(() => scheduleFaults({} as never)).toThrow(
      'faults: expected an array of { at, duration?, apply }, got {}',
    )
    expect(() => scheduleFaults([{ at: -1, apply: () => new Flag(new Set(), 'x') }])).toThrow(
      'faults[0].at: expected a number of ms >= 0, got -1',
    )
    expect(() => scheduleFaults([{ at: 0, duration: 0, apply: () => new Flag(new Set(), 'x') }])).toThrow(
      /^faults\[0\]\.duration: expected a number of ms > 0, got 0/,
    )
    expect(() => scheduleFaults([{ at: 0 } as never])).toThrow(/^faults\[0\]\.apply: expected a function/)
  })
})

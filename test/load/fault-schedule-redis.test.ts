import { redisContainer } from '@faultline/containers'
import { load, scheduleFaults, Timeline } from '@faultline/core'
import { expect, test } from '@faultline/vitest'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe } from 'vitest'
import { containerState } from '../services/container-state.js'

// A fault schedule beside a load run on a real Redis: the container is paused 0.5 s into the run for
// 1 s, on the report's timeline, and healed by the schedule; a schedule whose load throws still leaves
// Redis running. Assertions are about the fault's window (errors inside it, none well after it), never
// about how fast this machine is.
describe('scheduleFaults with container chaos on Redis', () => {
  let cache: Awaited<ReturnType<ReturnType<typeof redisContainer>['start']>>
  let client: Redis

  beforeAll(async () => {
    cache = await redisContainer().start('schedule-redis')
    client = new Redis(cache.url, { commandTimeout: 100, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
    client.on('error', () => {})
    await client.set('k', 'v')
  })
  afterAll(async () => {
    client?.disconnect()
    await cache?.close()
  })

  test('pauses Redis at 0.5 s for 1 s while the load runs: errors during the pause, none after', async () => {
    const timeline = new Timeline()
    await using faults = scheduleFaults(
      [{ at: 500, duration: 1_000, apply: ({ timeline }) => cache.pause({ timeline }) }],
      { timeline },
    )
    const report = await load(() => client.get('k'), {
      concurrency: 4,
      duration: 4_000,
      interval: 250,
      timeline,
    })
    await faults.heal()
    expect(faults.errors).toEqual([])
    const [paused] = report.faults
    expect(paused?.name).toBe(`${cache.name} paused`)
    expect(paused?.healedAt).toBeDefined()
    expect(report.during(`${cache.name} paused`).errors).toBeGreaterThan(0)
    // Well after the heal (one interval for the commands that timed out at the heal), Redis answers.
    const healedMs = (paused?.healedAt ?? 0) - report.startedAt
    if (healedMs + 500 < 4_000) {
      expect(report.window(healedMs + 500, 4_000).errors).toBe(0)
      expect(report.window(healedMs + 500, 4_000).ok).toBeGreaterThan(0)
    }
    expect((await containerState(cache))?.running).toBe(true)
  })

  test('heals the container when the code beside the schedule throws', async () => {
    const run = async () => {
      await using _faults = scheduleFaults([
        { at: 0, apply: ({ timeline }) => cache.stop({ timeline, timeout: 500 }) },
      ])
      await expect.poll(async () => (await containerState(cache))?.running, { timeout: 30_000 }).toBe(false)
      throw new Error('the load failed')
    }
    await expect(run()).rejects.toThrow('the load failed')
    expect((await containerState(cache))?.running).toBe(true)
    await expect.poll(() => client.ping().catch(() => 'down'), { timeout: 10_000 }).toBe('PONG')
  })
})

import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { load } from './load.js'

// A task that ignores its signal, as pg and ioredis do: a timeout cannot stop it.
function stubborn(ms: number) {
  const seen = { running: 0, most: 0 }
  const task = async () => {
    seen.most = Math.max(seen.most, ++seen.running)
    try {
      await sleep(ms)
    } finally {
      seen.running--
    }
  }
  return { seen, task }
}

describe('timeout on a task that ignores its signal', () => {
  it('open model: a timed-out call keeps its slot, so maxInFlight bounds what really runs', async () => {
    // 200 arrivals/s of 300 ms calls would keep 60 running; the bound is 10.
    const { seen, task } = stubborn(300)
    const report = await load(task, { rate: 200, duration: 300, maxInFlight: 10, timeout: 20 })
    expect(seen.most).toBeLessThanOrEqual(10)
    expect(seen.most).toBe(10)
    expect(report.count).toBe(60)
    expect(report.errorsByKind.timeout).toBe(report.completed)
    // Recorded as timed out at the timeout (from when due), but shown to have run on.
    expect(report.overran).toBe(report.completed)
    expect(report.overrunMaxMs).toBeGreaterThanOrEqual(100) // 280 ms, less how late the timeout fired
    expect(report.summary()).toMatch(
      new RegExp(`${report.overran} calls overran their 20 ms timeout by up to [\\d,.]+ ms`),
    )
  })

  it('closed model: concurrency 2, duration 500, timeout 50 is not silent', async () => {
    const { seen, task } = stubborn(1000)
    const report = await load(task, { concurrency: 2, duration: 500, timeout: 50 })
    expect(seen.most).toBe(2)
    expect([report.count, report.errorsByKind.timeout]).toEqual([2, 2])
    expect(report.overran).toBe(2)
    expect(report.overrunMaxMs).toBeGreaterThanOrEqual(500) // 950 ms, less how late the timeout fired
    expect(report.max).toBeLessThan(report.overrunMaxMs)
    expect(report.summary()).toMatch(/2 calls overran their 50 ms timeout by up to [\d,]+ ms/)
  })

  it('a call still running past its timeout when the run ends counts as overrun too', async () => {
    const report = await load(() => new Promise(() => {}), {
      concurrency: 1,
      count: 1,
      timeout: 20,
      gracefulStop: 500,
    })
    expect(report.errorsByKind).toEqual({ timeout: 1 })
    expect(report.overran).toBe(1)
    expect(report.overrunMaxMs).toBeGreaterThanOrEqual(300)
  })

  it('a task that honours its signal does not overrun', async () => {
    const report = await load(({ signal }) => sleep(1000, undefined, { signal }), {
      rate: 100,
      duration: 200,
      timeout: 20,
    })
    expect(report.errorsByKind).toEqual({ timeout: 20 })
    expect([report.overran, report.overrunMaxMs]).toEqual([0, 0])
    expect(report.summary()).not.toContain('overran')
  })
})

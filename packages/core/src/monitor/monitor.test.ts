import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { Monitor, startMonitor, trend } from './monitor.js'

describe('Monitor', () => {
  it('samples at its interval until stopped, and skips failed samples', async () => {
    let n = 0
    const monitor = startMonitor(
      'counter',
      () => {
        n++
        if (n === 3) throw new Error('no answer')
        return n
      },
      { interval: 10 },
    )
    await sleep(120)
    await monitor.stop()
    const count = monitor.samples.length
    expect(count).toBeGreaterThan(3)
    expect(monitor.failures).toBe(1)
    await sleep(40)
    expect(monitor.samples.length).toBe(count) // stopped: no more samples, no timer left
  })

  it('stops by itself at maxSamples', async () => {
    const monitor = startMonitor('one', () => 1, { interval: 1, maxSamples: 5 })
    await sleep(50)
    expect(monitor.samples.length).toBe(5)
    await monitor.stop()
  })

  it('names a bad interval', () => {
    expect(() => new Monitor('x', () => 1, { interval: 0 })).toThrow(
      'options.interval: expected a number of ms >= 1, got 0',
    )
  })
})

describe('trend', () => {
  it('finds the slope of a leak and none in a flat series', () => {
    const leak = Array.from({ length: 11 }, (_, i) => ({ atMs: i * 100, value: 1000 + i * 50 }))
    expect(trend(leak).slopePerSecond).toBeCloseTo(500)
    expect(trend(leak).growth).toBeCloseTo(500)
    const flat = Array.from({ length: 11 }, (_, i) => ({ atMs: i * 100, value: i % 2 === 0 ? 10 : 12 }))
    expect(Math.abs(trend(flat).growth)).toBeLessThan(1)
  })
})

describe('monitors on a load report', () => {
  it('are timed from the start of the run, cut by window(), and found by name', async () => {
    const { load } = await import('../load/load.js')
    let inFlight = 0
    const monitor = startMonitor('in flight', () => inFlight, { interval: 10 })
    const report = await load(
      async () => {
        inFlight++
        await sleep(5)
        inFlight--
      },
      { rate: 200, duration: 600, interval: 100, seed: 1 },
    )
    const withMonitor = report.withMonitors(await monitor.stop())
    const series = withMonitor.monitor('in flight')
    expect(series.samples.length).toBeGreaterThan(10)
    const window = withMonitor.window(200, 400).monitor('in flight')
    expect(window.samples.every((s) => s.atMs >= 200 && s.atMs < 400)).toBe(true)
    expect(window.samples.length).toBeGreaterThan(0)
    expect(() => report.monitor('in flight')).toThrow(/no monitor named "in flight"; no monitor is attached/)
    expect(JSON.parse(JSON.stringify(withMonitor)).monitors[0].name).toBe('in flight')
  })
})

import { Monitor, type MonitorSeries } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { toBeStable } from './to-be-stable.js'
import { toNeverExceed } from './to-never-exceed.js'

expect.extend({ toNeverExceed, toBeStable })

/** A stopped monitor holding exactly these values, 100 ms apart. */
async function monitorOf(values: number[], unit = 'connections'): Promise<Monitor> {
  let i = 0
  const monitor = new Monitor('pool', () => values[Math.min(i++, values.length - 1)]!, {
    intervalMs: 1,
    unit,
    maxSamples: values.length,
  })
  while (monitor.samples.length < values.length) await new Promise((r) => setTimeout(r, 5))
  await monitor.stop()
  // Re-time the samples to a regular 100 ms grid so messages are stable.
  ;(monitor.samples as { atMs: number; value: number }[]).forEach((s, k) => {
    s.atMs = k * 100
  })
  return monitor
}

/** Samples 100 ms apart as a report's `monitor(name)` hands them, with `failures` that could not be read. */
function seriesOf(values: number[], failures: number): MonitorSeries {
  return {
    name: 'pool',
    unit: 'connections',
    intervalMs: 100,
    failures,
    samples: values.map((value, k) => ({ atMs: k * 100, value })),
  }
}

describe('.toNeverExceed', () => {
  it('passes when every sample is at or under the limit', async () => {
    expect(await monitorOf([3, 5, 5, 4])).toNeverExceed(5)
  })

  it('fails with the peak, how many samples were over, and the sampling', async () => {
    const monitor = await monitorOf([3, 7, 9, 4])
    expect(() => expect(monitor).toNeverExceed(5)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(monitor).toNeverExceed(5)

      pool peaked at 9 connections > 5 connections; 2 samples above, the first at 0.1 s
      4 samples every 1 ms over 0.3 s]
    `)
  })

  it('refuses to judge a single sample', async () => {
    const monitor = await monitorOf([1])
    expect(() => expect(monitor).toNeverExceed(5)).toThrow(/refuses to judge 1 samples of pool \(needs 2\)/)
  })

  it('rejects a limit that is not a finite number, naming it', async () => {
    const monitor = await monitorOf([3, 4])
    for (const limit of [undefined, Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
      expect(() => expect(monitor).toNeverExceed(limit as never), String(limit)).toThrow(
        /^limit: must be a finite number/,
      )
      expect(() => expect(monitor).not.toNeverExceed(limit as never), String(limit)).toThrow(
        /^limit: must be a finite number/,
      )
    }
  })

  it('does not pass over failed samples: one of them may have been the peak', () => {
    const monitor = seriesOf([3, 4, 4], 3)
    expect(() => expect(monitor).toNeverExceed(5)).toThrow(
      /3 of 6 samples of pool failed; the limit cannot be shown to hold/,
    )
    expect(() => expect(monitor).not.toNeverExceed(5)).toThrow(/3 of 6 samples of pool failed/)
  })
})

describe('.toBeStable', () => {
  it('passes on a flat, noisy series', async () => {
    expect(await monitorOf([10, 12, 10, 12, 10, 12, 10, 12, 10, 12], 'bytes')).toBeStable({ maxGrowth: 4 })
  })

  it('fails on a leak, with the trend and the sampling', async () => {
    const leak = await monitorOf(
      Array.from({ length: 10 }, (_, i) => 1_000_000 + i * 100_000),
      'bytes',
    )
    expect(() => expect(leak).toBeStable({ maxGrowth: 100_000 })).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(monitor).toBeStable({ maxGrowth: 100000 })

      pool trend rose 878.9 KiB (976.6 KiB/s, mean 1.4 MiB) > 97.7 KiB allowed
      10 samples every 1 ms over 0.9 s
      Hint: a steady rise under a steady load is a leak: something is created per call and never released]
    `)
  })

  it('does not pass over failed samples: the trend of what was read may hide a rise', () => {
    const monitor = seriesOf([10, 10, 10, 10, 10, 10, 10, 10, 10, 10], 4)
    expect(() => expect(monitor).toBeStable({ maxGrowth: 1 })).toThrow(/4 of 14 samples of pool failed/)
  })

  it('names a bad limit', async () => {
    const monitor = await monitorOf([1, 1])
    expect(() => expect(monitor).toBeStable({ maxGrowth: -1 })).toThrow(
      "limits.maxGrowth: must be a number in the monitor's unit >= 0, got -1",
    )
  })
})

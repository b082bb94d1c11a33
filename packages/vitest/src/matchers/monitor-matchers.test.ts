import { Monitor, type MonitorSeries } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { toBeStable } from './to-be-stable.js'
import { toNeverExceed } from './to-never-exceed.js'

expect.extend({ toNeverExceed, toBeStable })

/** A stopped monitor holding exactly these values, 100 ms apart. */
async function monitorOf(values: number[], unit = 'connections'): Promise<Monitor> {
  let i = 0
  const monitor = new Monitor('pool', () => values[Math.min(i++, values.length - 1)]!, {
    interval: 1,
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
    expect(() => expect(monitor).toNeverExceed(5)).toThrow(
      /^toNeverExceed needs at least 2 samples of pool to judge \(a peak needs a series\); the monitor has 1 \(every \d+ ms\)\. Sample longer or more often\./,
    )
  })

  it('rejects a limit that is not a finite number, naming it', async () => {
    const monitor = await monitorOf([3, 4])
    for (const limit of [undefined, Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
      expect(() => expect(monitor).toNeverExceed(limit as never), String(limit)).toThrow(
        /^limit: expected a number/,
      )
      expect(() => expect(monitor).not.toNeverExceed(limit as never), String(limit)).toThrow(
        /^limit: expected a number/,
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

  it('refuses a real monitor whose sampler failed, with the count and the last error', async () => {
    let i = 0
    const monitor = new Monitor(
      'pool',
      () => {
        if (i++ % 2) throw new Error('connect ECONNREFUSED 127.0.0.1:5432')
        return 3
      },
      { interval: 1, unit: 'connections', maxSamples: 8 },
    )
    while (monitor.samples.length + monitor.failures < 8) await new Promise((r) => setTimeout(r, 5))
    await monitor.stop()
    expect(() => expect(monitor).toNeverExceed(5)).toThrow(
      /^toNeverExceed: 4 of 8 samples of pool failed; the limit cannot be shown to hold \(a failed sample may have been the peak\) \(last: connect ECONNREFUSED 127\.0\.0\.1:5432\)\. Fix the sampler \(is the service reachable\?\), or pass \{ maxFailures: 4 \} to judge the samples read\.$/,
    )
  })

  it('judges with failed samples when told how many to tolerate, and still shows them', () => {
    const monitor = seriesOf([3, 4, 4], 3)
    expect(monitor).toNeverExceed(5, { maxFailures: 3 })
    expect(() => expect(monitor).toNeverExceed(5, { maxFailures: 2 })).toThrow(
      /3 of 6 samples of pool failed/,
    )
    expect(() =>
      expect(monitor).not.toNeverExceed(5, { maxFailures: 3 }),
    ).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(monitor).not.toNeverExceed(5, { maxFailures: 3 })

      pool peaked at 4 connections <= 5 connections, expected > 5 connections
      3 samples every 100 ms over 0.2 s, 3 failed (3 allowed)]
    `)
  })

  it('fails a monitor that went over the limit, whatever failed beside it', () => {
    const monitor = seriesOf([3, 9, 4], 3)
    expect(() => expect(monitor).toNeverExceed(5)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(monitor).toNeverExceed(5)

      pool peaked at 9 connections > 5 connections; 1 sample above, the first at 0.1 s
      3 samples every 100 ms over 0.2 s, 3 failed (0 allowed)]
    `)
    expect(monitor).not.toNeverExceed(5)
  })

  it('rejects bad options, naming them', () => {
    const monitor = seriesOf([3, 4], 0)
    expect(() => expect(monitor).toNeverExceed(5, { maxFailures: -1 })).toThrow(
      /^options\.maxFailures: expected an integer >= 0/,
    )
    expect(() => expect(monitor).toNeverExceed(5, 3 as never)).toThrow(/^options: expected an object/)
  })
})

describe('.not.toNeverExceed', () => {
  it('passes when a sample went over the limit', () => {
    expect(seriesOf([3, 9], 0)).not.toNeverExceed(5)
  })

  it('fails when every sample stayed at or under the limit, saying so', () => {
    expect(() => expect(seriesOf([3, 5], 0)).not.toNeverExceed(5)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(monitor).not.toNeverExceed(5)

      pool peaked at 5 connections <= 5 connections, expected > 5 connections
      2 samples every 100 ms over 0.1 s]
    `)
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

  it('judges with failed samples when told how many to tolerate', () => {
    expect(seriesOf([10, 10, 10, 10, 10, 10, 10, 10, 10, 10], 4)).toBeStable({ maxGrowth: 1, maxFailures: 4 })
  })

  it('refuses fewer samples than minSamples', () => {
    expect(() => expect(seriesOf([1, 1, 1], 0)).toBeStable({ maxGrowth: 1 })).toThrow(
      /^toBeStable needs at least 10 samples of pool to judge \(a trend over fewer follows its noise\); the monitor has 3/,
    )
    expect(seriesOf([1, 1, 1], 0)).toBeStable({ maxGrowth: 1, minSamples: 3 })
  })

  it('names a bad limit', async () => {
    for (const limits of [
      undefined,
      { maxGrowth: Number.NaN },
      { maxGrowth: 1, minSamples: 1 },
      { maxGrowth: 1, maxFailures: 0.5 },
    ]) {
      expect(() => expect(seriesOf([1, 1], 0)).toBeStable(limits as never), JSON.stringify(limits)).toThrow(
        /^limits(\.maxGrowth|\.minSamples|\.maxFailures)?: expected/,
      )
    }
    const monitor = await monitorOf([1, 1])
    expect(() => expect(monitor).toBeStable({ maxGrowth: -1 })).toThrow(
      'limits.maxGrowth: expected a number >= 0, got -1',
    )
  })
})

describe('.not.toBeStable', () => {
  it('passes on a leak', () => {
    expect(seriesOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0)).not.toBeStable({ maxGrowth: 1 })
  })

  it('fails on a flat series, saying so', () => {
    expect(() =>
      expect(seriesOf([5, 5, 5, 5, 5, 5, 5, 5, 5, 5], 0)).not.toBeStable({ maxGrowth: 1 }),
    ).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(monitor).not.toBeStable({ maxGrowth: 1 })

      pool trend rose 0 connections (0 connections/s, mean 5 connections) <= 1 connections allowed, expected a rise > 1 connections
      10 samples every 100 ms over 0.9 s]
    `)
  })
})

describe('types', () => {
  it('are merged into Vitest’s expect, and wrong arguments do not compile', () => {
    const monitor = seriesOf([1, 2], 0)
    expect(monitor).toNeverExceed(5, { maxFailures: 0 })
    // @ts-expect-error a limit is a number
    expect(() => expect(monitor).toNeverExceed('5')).toThrowError('limit: expected a number')
    // @ts-expect-error maxFailures is a count
    expect(() => expect(monitor).toNeverExceed(5, { maxFailures: 'all' })).toThrowError('options.maxFailures')
    // @ts-expect-error toBeStable needs maxGrowth
    expect(() => expect(monitor).toBeStable({ minSamples: 2 })).toThrowError('limits.maxGrowth')
  })
})

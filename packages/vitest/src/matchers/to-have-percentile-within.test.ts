import { setTimeout as sleep } from 'node:timers/promises'
import { LoadRecorder, load } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { toHavePercentileWithin } from './to-have-percentile-within.js'

expect.extend({ toHavePercentileWithin })

// A noisy neighbour: tenant A floods a service with slow bulk jobs while tenant B makes quick calls.
// With one shared pool of 2 workers, B queues behind A; with a bulkhead (a pool per tenant), it does not.

/** A fixed-size worker pool: at most `size` jobs at once, the rest wait in line. */
function pool(size: number) {
  let busy = 0
  const waiting: (() => void)[] = []
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (busy >= size) await new Promise<void>((resolve) => waiting.push(resolve))
    busy++
    try {
      return await job()
    } finally {
      busy--
      waiting.shift()?.()
    }
  }
}

async function tenantB(run: ReturnType<typeof pool>, withFlood: boolean) {
  const bulk = withFlood
    ? load(() => run(() => sleep(100)), { concurrency: 6, duration: 1_500, seed: 1 }) // tenant A
    : undefined
  const b = await load(() => run(() => sleep(20)), { rate: 40, duration: 1_500, seed: 2 })
  await bulk
  return b
}

/** `served` calls taking 1..100 ms (cycling), and `dropped` arrivals that never started. */
function recorded(served: number, dropped: number) {
  const recorder = new LoadRecorder({ unit: 'calls', seed: 3, startedAt: 0, model: 'open' })
  for (let i = 0; i < served; i++) recorder.record({ startMs: i * 10, latencyMs: 1 + (i % 100) })
  for (let i = 0; i < dropped; i++) recorder.drop(i * 10)
  return recorder.finish(Math.max(served, dropped) * 10)
}

describe('.toHavePercentileWithin', () => {
  it('passes: behind a bulkhead, tenant B keeps its p95 within 5 x of its baseline during the flood', async () => {
    const baseline = await tenantB(pool(2), false)
    const bPool = pool(2)
    const aPool = pool(2)
    const bulk = load(() => aPool(() => sleep(100)), { concurrency: 6, duration: 1_500, seed: 1 })
    const flood = await load(() => bPool(() => sleep(20)), { rate: 40, duration: 1_500, seed: 2 })
    await bulk
    expect(flood).toHavePercentileWithin(95, { factor: 5, of: baseline })
  })

  it('fails: sharing one pool, tenant B queues behind tenant A, and the message gives both p95s', async () => {
    const baseline = await tenantB(pool(2), false)
    const flood = await tenantB(pool(2), true)
    expect(() => expect(flood).toHavePercentileWithin(95, { factor: 5, of: baseline })).toThrow(
      /^expect\(report\)\.toHavePercentileWithin\(95, \{ factor: 5, of: baseline \}\)\n\np95 [\d,.]+ ms > 5 x baseline p95 [\d,.]+ ms = [\d,.]+ ms \([\d.]+ x\)\nmeasured over 60 calls \(floor 20, window [\d.]+-[\d.]+ s, seed 2\)\nbaseline over 60 calls \(floor 20, /,
    )
  })

  it('passes at the limit: the same report is within 1 x of itself', () => {
    const report = recorded(100, 0)
    expect(report).toHavePercentileWithin(95, { factor: 1, of: report })
  })

  it('counts drops above every latency, and refuses a baseline that dropped past the percentile', () => {
    const served = recorded(100, 0)
    const dropping = recorded(100, 30)
    expect(() => expect(dropping).toHavePercentileWithin(95, { factor: 2, of: served })).toThrow(
      /^expect\(report\)\.toHavePercentileWithin\(95, \{ factor: 2, of: baseline \}\)\n\np95 unbounded > 2 x baseline p95 95 ms = 190 ms \(unbounded\)\nmeasured over 130 calls \(floor 20, .*\n30 of 130 arrivals dropped \(counted above the budget\)\nbaseline over 100 calls/,
    )
    expect(() => expect(served).toHavePercentileWithin(95, { factor: 2, of: dropping })).toThrow(
      /^the baseline's p95 is unbounded: 30 of 130 of its arrivals were dropped/,
    )
  })

  it('refuses thin reports on either side, and says which', () => {
    expect(() =>
      expect(recorded(10, 0)).toHavePercentileWithin(95, { factor: 2, of: recorded(100, 0) }),
    ).toThrow(/^p95 needs at least 20 calls with a latency to judge .* the report has 10/)
    expect(() =>
      expect(recorded(100, 0)).toHavePercentileWithin(95, { factor: 2, of: recorded(10, 0) }),
    ).toThrow(/^the baseline's p95 needs at least 20 calls with a latency to judge .* the report has 10/)
  })

  it('names a bad factor and a missing baseline', async () => {
    const report = await load(async () => {}, { rate: 40, duration: 600, seed: 3 })
    expect(() => expect(report).toHavePercentileWithin(95, { factor: 0, of: report })).toThrow(
      /options\.factor/,
    )
    expect(() => expect(report).toHavePercentileWithin(95, { factor: 2, of: {} })).toThrow(
      /options\.of\) expects a LoadReport/,
    )
    for (const factor of [undefined, Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(() =>
        expect(report).toHavePercentileWithin(95, { factor: factor as never, of: report }),
      ).toThrow(/^options\.factor: expected a number > 0/)
    }
    expect(() => expect(report).toHavePercentileWithin(95, undefined as never)).toThrow(
      /^options: expected \{ factor, of: baseline \}/,
    )
    expect(() => expect(report).toHavePercentileWithin(95, { factor: 2, of: report, minSamples: 0 })).toThrow(
      /^options\.minSamples: expected an integer >= 1/,
    )
  })
})

describe('.not.toHavePercentileWithin', () => {
  it('passes when the percentile grew past the factor, and fails when it did not, saying so', () => {
    const baseline = recorded(100, 0)
    expect(recorded(100, 30)).not.toHavePercentileWithin(95, { factor: 2, of: baseline })
    expect(() => expect(baseline).not.toHavePercentileWithin(95, { factor: 1.5, of: baseline })).toThrow(
      /^expect\(report\)\.not\.toHavePercentileWithin\(95, \{ factor: 1\.5, of: baseline \}\)\n\np95 [\d.]+ ms <= 1\.5 x baseline p95 [\d.]+ ms = [\d.]+ ms \(1\.00 x\), expected > /,
    )
  })
})

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
      /^expect\(report\)\.toHavePercentileWithin\(95, \{ factor: 5, of: baseline \}\)\n\np95 [\d,.]+ ms > 5 x baseline p95 [\d,.]+ ms = [\d,.]+ ms \([\d.]+ x\)\nmeasured over 60 calls \(window [\d.]+-[\d.]+ s, seed 2\)\nbaseline over 60 calls/,
    )
  })

  it('passes at the limit: the same report is within 1 x of itself', () => {
    const recorder = new LoadRecorder({ unit: 'calls', seed: 3, startedAt: 0 })
    for (let i = 0; i < 100; i++) recorder.record({ startMs: i * 10, latencyMs: 1 + i })
    const report = recorder.finish(1_000)
    expect(report).toHavePercentileWithin(95, { factor: 1, of: report })
  })

  it('names a bad factor and a missing baseline', async () => {
    const report = await load(async () => {}, { rate: 40, duration: 600, seed: 3 })
    expect(() => expect(report).toHavePercentileWithin(95, { factor: 0, of: report })).toThrow(
      /options\.factor/,
    )
    expect(() => expect(report).toHavePercentileWithin(95, { factor: 2, of: {} })).toThrow(
      /options\.of\) expects a LoadReport/,
    )
  })
})

import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { FaultlineArgumentError } from '../errors.js'
import { load } from './load.js'

// `stop`: a run that lasts until something happens (a fault healed, and a while after), bounded by its
// duration, ends early with its report; `signal` aborts it without one.

describe('load, stopped early', () => {
  it('open model: no arrival after the stop, the calls in flight finish, and the report resolves', async () => {
    const stop = new AbortController()
    const ended: number[] = []
    const run = load(
      async () => {
        await sleep(30)
        ended.push(performance.now())
      },
      { rate: 200, duration: 10_000, interval: 50, stop: stop.signal, seed: 1 },
    )
    await sleep(300)
    const stoppedAt = performance.now()
    stop.abort()
    const report = await run
    const settled = performance.now()
    expect(settled - stoppedAt).toBeLessThan(1_000) // not the 10 s of its duration
    expect(report.errors).toBe(0) // the calls in flight were not aborted: they finished
    expect(report.ok).toBe(ended.length)
    expect(report.count).toBeGreaterThan(20) // about 60 arrivals in 0.3 s
    expect(report.count).toBeLessThan(200)
    expect(report.durationMs).toBeLessThan(1_000)
    expect(report.activeMs).toBeLessThanOrEqual(report.durationMs)
  })

  it('closed model: the workers start no new call after the stop', async () => {
    const stop = new AbortController()
    let started = 0
    const run = load(
      async () => {
        started++
        await sleep(20)
      },
      { concurrency: 2, duration: 10_000, stop: stop.signal },
    )
    await sleep(200)
    stop.abort()
    const atStop = started
    const report = await run
    expect(report.count).toBe(atStop)
    expect(report.errors).toBe(0)
    expect(report.durationMs).toBeLessThan(1_000)
  })

  it('a stop already aborted runs nothing; a stop never aborted changes nothing', async () => {
    const none = await load(() => undefined, { rate: 100, duration: 5_000, stop: AbortSignal.abort() })
    expect(none.count).toBe(0)
    const stop = new AbortController()
    const whole = await load(() => undefined, { rate: 100, duration: 200, stop: stop.signal, seed: 2 })
    expect(whole.count).toBe(20)
    stop.abort() // after the run: nothing left to stop
  })

  it('rejects a stop that is not an AbortSignal, naming it', async () => {
    const run = load(() => undefined, { rate: 1, duration: 100, stop: 'now' as never })
    await expect(run).rejects.toThrowError(FaultlineArgumentError)
    await expect(run).rejects.toThrowError(/^options\.stop: expected an AbortSignal, got "now"/)
  })
})

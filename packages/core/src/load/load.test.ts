import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { FaultlineArgumentError } from '../errors.js'
import { constantRate, rampRate, rampUsers, ratePhases } from './arrivals.js'
import { load } from './load.js'
import type { LoadOptions } from './options.js'

describe('load, closed model', () => {
  it('keeps exactly `concurrency` calls in flight and stops at `count`', async () => {
    let inFlight = 0
    let most = 0
    const report = await load(
      async () => {
        most = Math.max(most, ++inFlight)
        await sleep(2)
        inFlight--
      },
      { concurrency: 4, count: 40 },
    )
    expect(most).toBe(4)
    expect(report.count).toBe(40)
    expect(report.model).toBe('closed')
    expect(report.p50).toBeGreaterThanOrEqual(1.5)
  })

  it('stops starting calls at `duration`, even for a task that resolves at once', async () => {
    const report = await load(() => undefined, { concurrency: 2, duration: 200 })
    expect(report.count).toBeGreaterThan(100)
    expect(report.durationMs).toBeGreaterThanOrEqual(199)
    expect(report.durationMs).toBeLessThan(1000)
  })

  it('groups errors by kind and counts the error rate', async () => {
    const report = await load(
      ({ index }) => {
        if (index % 4 === 0) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' })
        if (index % 4 === 1) return Promise.reject(new TypeError('bad'))
      },
      { concurrency: 1, count: 100 },
    )
    expect(report.errorsByKind).toEqual({ ECONNRESET: 25, TypeError: 25 })
    expect(report.errorRate).toBe(0.5)
    expect(report.ok).toBe(50)
  })

  it('fails a call slower than `timeout` with kind `timeout` and aborts its signal', async () => {
    let aborted = 0
    const report = await load(
      ({ signal }) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted++
            resolve()
          })
        }),
      { concurrency: 2, count: 2, timeout: 50 },
    )
    expect(report.errorsByKind).toEqual({ timeout: 2 })
    expect(aborted).toBe(2)
    expect(report.max).toBeGreaterThanOrEqual(45)
  })

  it('records calls still hanging after the grace period as `unfinished`, bounded in time', async () => {
    const started = performance.now()
    const report = await load(() => new Promise(() => {}), {
      concurrency: 3,
      duration: 100,
      gracefulStop: 100,
    })
    expect(performance.now() - started).toBeLessThan(1000)
    expect(report.errorsByKind).toEqual({ unfinished: 3 })
    expect(report.min).toBeGreaterThanOrEqual(190)
  })

  it('bounded by count, starts its grace period as soon as the count is reached', async () => {
    // Calls that never settle: the run must end gracefulStop after the last start, not at maxDuration.
    const report = await load(() => new Promise(() => {}), {
      concurrency: 3,
      count: 3,
      gracefulStop: 100,
      maxDuration: 20_000,
    })
    expect(report.errorsByKind).toEqual({ unfinished: 3 })
    expect(report.durationMs).toBeLessThan(10_000) // 100 ms of grace, 100 times over
  }, 30_000)

  it('measures throughput over the time calls ran, not the grace period spent on hung ones', async () => {
    let index = 0
    const report = await load(
      async () => {
        if (index++ === 4) return new Promise(() => {}) // the last call hangs
        await sleep(20)
      },
      { concurrency: 1, count: 5, gracefulStop: 300 },
    )
    expect(report.durationMs).toBeGreaterThanOrEqual(300)
    // 4 calls of 20 ms, back to back: the hung one's grace period is not part of the rate.
    expect(report.throughput).toBeGreaterThan((report.count / report.durationMs) * 1000 * 2)
    expect(report.activeMs).toBeLessThan(report.durationMs - 250)
    expect(report.throughput).toBeCloseTo(report.completed / (report.activeMs / 1000), 6)
  })

  it('rejects with the reason when its signal aborts, and aborts the calls in flight', async () => {
    const controller = new AbortController()
    let callAborted = false
    const run = load(
      ({ signal }) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            callAborted = true
            resolve()
          })
        }),
      { concurrency: 1, duration: 10_000, signal: controller.signal },
    )
    setTimeout(() => controller.abort(new Error('stop')), 50)
    await expect(run).rejects.toThrowError('stop')
    expect(callAborted).toBe(true)
    await expect(
      load(() => undefined, { concurrency: 1, count: 1, signal: AbortSignal.abort() }),
    ).rejects.toThrow()
  })
})

describe('load, open model', () => {
  it('keeps its arrival rate whatever the calls take', async () => {
    const report = await load(() => sleep(20), { rate: 500, duration: 1000 })
    expect(report.model).toBe('open')
    expect(report.count).toBe(500)
    expect(report.dropped).toBe(0)
    expect(report.schedulingLag?.count).toBe(500)
  })

  it('with maxQueued 0, drops arrivals that find `maxInFlight` calls running, as failures', async () => {
    const report = await load(() => sleep(700), { rate: 100, duration: 500, maxInFlight: 10, maxQueued: 0 })
    expect([report.count, report.completed, report.dropped]).toEqual([50, 10, 40])
    expect(report.errorsByKind).toEqual({ dropped: 40 })
    expect(report.errorRate).toBe(0.8)
    expect(report.series[0]?.dropped).toBe(40)
  })

  it('measures throughput over the arrival window, not the drain after the last start', async () => {
    // 20 arrivals over 200 ms, each taking 500 ms: the run lasts 700 ms, the load 200 ms.
    const report = await load(() => sleep(500), { rate: 100, duration: 200 })
    expect(report.completed).toBe(20)
    // Over the 200 ms of arrivals (or up to the last start, if the scheduler ran late), not the 700 ms run.
    expect(report.throughput).toBeGreaterThan((report.completed / report.durationMs) * 1000 * 1.5)
    expect(report.throughput).toBeCloseTo(report.completed / (report.activeMs / 1000), 6)
    expect(report.activeMs).toBeGreaterThanOrEqual(200)
    // (Timers may fire a few ms early: Node starts them at the event loop's cached time.)
    expect(report.durationMs - report.activeMs).toBeGreaterThanOrEqual(400)
  })

  it('lasts its whole duration even when every call ends before the window does', async () => {
    // The last of 200 arrivals is due at 995 ms and ends at once; the load still covered 1,000 ms, so the
    // throughput is over 1 s (a run that ended at 995 ms was refused by a 1 s throughput floor).
    const report = await load(() => undefined, { rate: 200, duration: 1_000 })
    expect(report.count).toBe(200)
    expect(report.activeMs).toBeGreaterThanOrEqual(1_000)
    expect(report.durationMs).toBeGreaterThanOrEqual(1_000)
  })

  it('follows a ramp and stops at the end of the profile without a duration', async () => {
    const report = await load(() => undefined, { rate: rampRate(0, 400, 500) })
    expect(report.count).toBe(100)
  })

  it('mixes weighted tasks by the seed and reports per tag', async () => {
    const mix = [
      { tag: 'login', weight: 10, run: () => undefined },
      { tag: 'read', weight: 70, run: () => undefined },
      { tag: 'refresh', weight: 15, run: () => undefined },
      {
        tag: 'logout',
        weight: 5,
        run: () => {
          throw new Error('gone')
        },
      },
    ]
    const a = await load(mix, { rate: 4000, duration: 500, seed: 42 })
    const b = await load(mix, { rate: 4000, duration: 500, seed: 42 })
    expect(a.tags).toEqual(expect.arrayContaining(['login', 'read', 'refresh', 'logout']))
    expect(a.seed).toBe(42)
    const counts = a.tags.map((t) => a.tag(t).count)
    expect(counts).toEqual(b.tags.map((t) => b.tag(t).count))
    expect(a.count).toBe(2000)
    expect(a.tag('read').count / a.count).toBeGreaterThan(0.65)
    expect(a.tag('read').count / a.count).toBeLessThan(0.75)
    expect(a.tag('logout').errorRate).toBe(1)
    expect(a.tag('login').errorRate).toBe(0)
    expect(a.errors).toBe(a.tag('logout').count)
    expect(() => a.tag('signup')).toThrowError(/^tag: no calls tagged "signup"; tags are (\w+, ){3}\w+$/)
  })
})

describe('load, bad input', () => {
  const cases: [string, LoadOptions, string][] = [
    ['no bound', { concurrency: 1 }, 'options.duration: a run needs a bound'],
    [
      'negative rate',
      { rate: -5, duration: 100 },
      'options.rate: expected a number of arrivals per second >= 0, got -5',
    ],
    ['no model', {} as LoadOptions, 'options: give concurrency (closed model'],
    ['both models', { concurrency: 1, rate: 1, duration: 1 } as unknown as LoadOptions, 'not both'],
    [
      'zero concurrency',
      { concurrency: 0, count: 1 },
      'options.concurrency: expected an integer >= 1, got 0',
    ],
    [
      'negative duration',
      { concurrency: 1, duration: -1 },
      'options.duration: expected a number of ms > 0, got -1',
    ],
    ['fractional count', { concurrency: 1, count: 1.5 }, 'options.count: expected an integer >= 1, got 1.5'],
  ]
  it.each(cases)('rejects with a clear error naming the argument: %s', async (_, options, message) => {
    let run: Promise<unknown> | undefined
    expect(() => {
      run = load(() => undefined, options)
    }).not.toThrow()
    await expect(run).rejects.toThrowError(FaultlineArgumentError)
    await expect(load(() => undefined, options)).rejects.toThrowError(message)
  })

  it('names the bad task of a mix', async () => {
    await expect(
      load([{ tag: 'a', weight: -1, run: () => undefined }], { concurrency: 1, count: 1 }),
    ).rejects.toThrowError('target[0].weight: expected a number > 0, got -1')
  })
})

describe('load, closed model with a users profile', () => {
  it('ramps the calls in flight from 0 to N users, then stops at the end of the profile', async () => {
    let inFlight = 0
    const seen: { t: number; n: number }[] = []
    const t0 = performance.now()
    const report = await load(
      async () => {
        inFlight++
        seen.push({ t: performance.now() - t0, n: inFlight })
        await sleep(5)
        inFlight--
      },
      { concurrency: rampUsers(0, 20, 1000) },
    )
    const early = Math.max(...seen.filter((s) => s.t < 250).map((s) => s.n))
    const late = Math.max(...seen.filter((s) => s.t > 800).map((s) => s.n))
    expect(early).toBeLessThanOrEqual(7)
    expect(late).toBeGreaterThanOrEqual(15)
    expect(late).toBeLessThanOrEqual(20)
    expect(report.durationMs).toBeLessThan(1500)
    expect(report.count).toBeGreaterThan(200)
  })

  it('retires users when the profile falls', async () => {
    let inFlight = 0
    let lateMost = 0
    const t0 = performance.now()
    await load(
      async () => {
        inFlight++
        if (performance.now() - t0 > 450) lateMost = Math.max(lateMost, inFlight)
        await sleep(5)
        inFlight--
      },
      { concurrency: ratePhases(constantRate(10, 300), constantRate(2, 300)) },
    )
    expect(lateMost).toBeLessThanOrEqual(2)
  })

  it('rejects a profile that never reaches one user', async () => {
    await expect(load(() => undefined, { concurrency: rampUsers(0, 0.5, 100) })).rejects.toThrowError(
      'options.concurrency: the profile never reaches 1 user',
    )
  })
})

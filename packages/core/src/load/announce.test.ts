import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadRunsMeasuring, onLoadReport } from './announce.js'
import { load } from './load.js'
import type { LoadReport } from './report.js'

describe('onLoadReport', () => {
  const stops: (() => void)[] = []
  afterEach(() => {
    for (const stop of stops.splice(0)) stop()
    vi.restoreAllMocks()
  })

  it('hands every finished load run its report, until the listener stops', async () => {
    const seen: LoadReport[] = []
    const stop = onLoadReport((report) => seen.push(report))
    stops.push(stop)
    const first = await load(async () => {}, { rate: 100, duration: 100, seed: 1 })
    expect(seen).toEqual([first])
    stop()
    await load(async () => {}, { concurrency: 1, duration: 50 })
    expect(seen).toHaveLength(1)
  })

  it('never fails a run because a listener threw: it warns', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    stops.push(
      onLoadReport(() => {
        throw new Error('listener broke')
      }),
    )
    const report = await load(async () => {}, { rate: 100, duration: 100, seed: 2 })
    expect(report.count).toBeGreaterThan(0)
    expect(warn).toHaveBeenCalledWith('faultline: a load report listener failed: Error: listener broke')
  })
})

describe('loadRunsMeasuring', () => {
  it('counts the runs measuring now, whichever way they end', async () => {
    expect(loadRunsMeasuring()).toBe(0)
    const seen: number[] = []
    const run = load(
      async () => {
        seen.push(loadRunsMeasuring())
      },
      { rate: 50, duration: 100, seed: 3 },
    )
    expect(loadRunsMeasuring()).toBe(1)
    await run
    expect(Math.min(...seen)).toBe(1)
    expect(loadRunsMeasuring()).toBe(0)

    const controller = new AbortController()
    const aborted = load(async () => {}, { rate: 50, duration: 60_000, signal: controller.signal })
    expect(loadRunsMeasuring()).toBe(1)
    controller.abort(new Error('stop'))
    await expect(aborted).rejects.toThrow('stop')
    expect(loadRunsMeasuring()).toBe(0)
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { onLoadReport } from './announce.js'
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

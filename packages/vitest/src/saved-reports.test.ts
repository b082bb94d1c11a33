import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LoadRecorder, type LoadReport } from '@faultline/core'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadReports, saveReport } from './saved-reports.js'

function run(seed: number): LoadReport {
  const recorder = new LoadRecorder({ startedAt: 1_000_000, seed, interval: 250 })
  for (let i = 0; i < 40; i++)
    recorder.record({ startMs: i * 25, latencyMs: i + seed, tag: i % 2 ? 'a' : 'b' })
  return recorder.finish(1000)
}

describe('saveReport and loadReports', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-saved-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('save a report under its name, per test, and load every one back, histograms included', () => {
    const first = saveReport(run(1), 'search api', { dir })
    const second = saveReport(run(2), 'search api', { dir })
    saveReport(run(3), 'checkout', { dir })
    expect(first).toBe(
      join(
        dir,
        'search_api',
        'packages_vitest_src_saved-reports.test.ts',
        'saveReport_and_loadReports_save_a_report_under_its_name_per_test_and_load_every_one_back_histograms_included-1.json',
      ),
    )
    expect(second.endsWith('-2.json')).toBe(true)
    const loaded = loadReports('search api', { dir })
    expect(loaded.map((r) => r.toJSON())).toEqual([run(1).toJSON(), run(2).toJSON()])
    expect(loaded[0]?.window(0, 500).count).toBe(run(1).window(0, 500).count)
    expect(loadReports('checkout', { dir }).map((r) => r.seed)).toEqual([3])
  })

  describe('in a hook', () => {
    let path = ''
    beforeAll(() => {
      const hooks = mkdtempSync(join(tmpdir(), 'faultline-saved-'))
      path = saveReport(run(4), 'search', { dir: hooks })
      rmSync(hooks, { recursive: true, force: true })
    })
    it('names the file after the test file, so that a rerun overwrites it', () => {
      expect(path).toMatch(/search\/packages_vitest_src_saved-reports\.test\.ts\/hooks-1\.json$/)
    })
  })

  it('refuses to judge nothing, and names a file that is not a report', () => {
    expect(() => loadReports('search', { dir })).toThrowError(
      `no reports saved under "search" in ${join(dir, 'search')}: save them with saveReport(report, "search") in the tests of every shard, and copy each shard's ${dir} here before judging them`,
    )
    saveReport(run(1), 'search', { dir })
    const bad = join(dir, 'search', 'broken.json')
    writeFileSync(bad, '{"count": 3}')
    expect(() => loadReports('search', { dir })).toThrowError(
      new RegExp(`^${bad.replaceAll('.', '\\.')} is not a saved load report \\(TypeError`),
    )
  })

  it('names a wrong argument', () => {
    expect(() => saveReport({ p95: 3 } as never, 'search', { dir })).toThrowError(
      'report: expected a LoadReport (from load(), httpLoad(), LoadRecorder), got {"p95":3}',
    )
    expect(() => saveReport(run(1), '', { dir })).toThrowError(
      `name: expected the name the reports are saved under, e.g. 'checkout', got ""`,
    )
    expect(() => loadReports(undefined as never)).toThrowError(/^name: expected the name/)
  })
})

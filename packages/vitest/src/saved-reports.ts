// Load reports saved by name, to judge a sharded suite as a whole: each shard (or process, or machine)
// saves the reports of its tests under a name; a run after the shards loads every saved report of that
// name, merges them (`LoadReport.merge`) and judges the merged report with the same matchers.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import {
  describeValue,
  FaultlineArgumentError,
  FaultlineError,
  isLoadReport,
  LoadReport,
  type LoadReportJSON,
} from '@faultline/core'
import { expect, TestRunner } from 'vitest'
import { sanitise } from './report/attach.js'

/** Where `saveReport` writes and `loadReports` reads, relative to the directory Vitest runs in. */
export const SAVED_REPORTS_DIR = join('reports', 'load')

/** Options of `saveReport` and `loadReports`. */
export interface SavedReportOptions {
  /** The directory of saved reports (default `reports/load`, relative to the working directory). */
  readonly dir?: string
}

const saved = new Map<string, number>()

function checkName(name: unknown, callee: (...args: never[]) => unknown): string {
  if (typeof name === 'string' && name.trim() !== '') return name
  throw new FaultlineArgumentError(
    'name',
    `expected the name the reports are saved under, e.g. 'checkout', got ${describeValue(name)}`,
    callee,
  )
}

function dirOf(name: string, options: SavedReportOptions | undefined): string {
  return join(options?.dir ?? SAVED_REPORTS_DIR, sanitise(name))
}

// In a test, the file is named after the test, so that a rerun overwrites its own reports and two
// shards never write the same file; in a file's hooks, after the file; outside Vitest, after the machine
// and the process.
function fileOf(dir: string): string {
  const test = TestRunner.getCurrentTest()
  const file = test?.file.filepath ?? expect.getState().testPath
  const stem =
    file === undefined
      ? join(`${sanitise(hostname())}-${process.pid}`, 'report')
      : join(
          sanitise(relative(process.cwd(), file)),
          sanitise(test ? (test.fullTestName ?? test.name) : 'hooks'),
        )
  const key = join(dir, stem)
  const n = (saved.get(key) ?? 0) + 1
  saved.set(key, n)
  return `${key}-${n}.json`
}

/**
 * Saves a load report under `name` (its JSON, histograms included), for `loadReports(name)` to judge with
 * the reports saved under the same name by other tests, shards or machines. Returns the path written:
 * `reports/load/<name>/<test file>/<test name>-<n>.json` (`n` counts the test's reports of that name).
 *
 * @example
 * const report = await load(() => api.search('socks'), { rate: 50, duration: 10_000 })
 * saveReport(report, 'search') // judged with the other shards' in a run after them
 */
export function saveReport(report: LoadReport, name: string, options?: SavedReportOptions): string {
  if (!isLoadReport(report)) {
    throw new FaultlineArgumentError(
      'report',
      `expected a LoadReport (from load(), httpLoad(), LoadRecorder), got ${describeValue(report)}`,
      saveReport,
    )
  }
  const path = fileOf(dirOf(checkName(name, saveReport), options))
  mkdirSync(dirname(resolve(path)), { recursive: true })
  writeFileSync(resolve(path), JSON.stringify(report))
  return path
}

/**
 * Every report saved under `name` (by `saveReport`, in any test of any shard whose `reports/load/` was
 * copied here), in the order of their paths. Throws `NO_SAVED_REPORTS` when there is none: a verdict is
 * never passed on nothing. Merge them with `LoadReport.merge` to judge them as one run.
 *
 * @example
 * const search = LoadReport.merge(loadReports('search'), { align: 'start' })
 * expect(search).toHaveP95Below(300) // the p95 of every shard's search calls
 */
export function loadReports(name: string, options?: SavedReportOptions): LoadReport[] {
  const dir = dirOf(checkName(name, loadReports), options)
  let files: string[] = []
  try {
    files = readdirSync(resolve(dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.json'))
      .sort()
  } catch {
    // No directory: no report, said below.
  }
  if (files.length === 0) {
    throw new FaultlineError(
      'NO_SAVED_REPORTS',
      `no reports saved under "${name}" in ${dir}: save them with saveReport(report, ${JSON.stringify(name)}) in the tests of every shard, and copy each shard's ${options?.dir ?? SAVED_REPORTS_DIR} here before judging them`,
    )
  }
  return files.map((file) => {
    const path = join(dir, file)
    try {
      return LoadReport.fromJSON(JSON.parse(readFileSync(resolve(path), 'utf8')) as LoadReportJSON)
    } catch (error) {
      throw new FaultlineError(
        'BAD_SAVED_REPORT',
        `${path} is not a saved load report (${String(error)}); delete it, or save it again with saveReport`,
        { cause: error },
      )
    }
  })
}

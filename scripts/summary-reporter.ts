// A Vitest reporter that writes what CI's closing line needs to reports/summary.json: tests passed,
// failed and skipped, test files that failed outside any test (an import error, a failing hook), and the
// errors Vitest caught outside every test. Vitest's JSON report has no field for the last two, so a run
// with `Vitest caught 1 unhandled error` would otherwise print "0 failed".
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Reporter, SerializedError, TestModule } from 'vitest/node'

/** What scripts/summary.ts reads. */
export interface RunSummary {
  readonly passed: number
  readonly failed: number
  readonly skipped: number
  /** Test files that failed outside any test: they count once each in `failed`. */
  readonly failedFiles: readonly string[]
  /** Errors caught outside every test: each counts once in `failed`. */
  readonly unhandledErrors: readonly string[]
  readonly reason: string
}

const OUT = resolve(process.env.FAULTLINE_SUMMARY_FILE ?? 'reports/summary.json')

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: string,
  ): void {
    let passed = 0
    let failedTests = 0
    let skipped = 0
    const failedFiles: string[] = []
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failedTests++
        else skipped++
      }
      if (module.errors().length > 0) failedFiles.push(module.moduleId)
    }
    const unhandled = unhandledErrors.map((e) => `${e.name ?? 'Error'}: ${e.message ?? ''}`.trim())
    const summary: RunSummary = {
      passed,
      failed: failedTests + failedFiles.length + unhandled.length,
      skipped,
      failedFiles,
      unhandledErrors: unhandled,
      reason,
    }
    mkdirSync(dirname(OUT), { recursive: true })
    writeFileSync(OUT, JSON.stringify(summary, null, 2))
  }
}

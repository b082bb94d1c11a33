// Prints the one closing line CI reads — `N passed, N failed` (and skipped, if any) — from the summary
// that scripts/summary-reporter.ts wrote. A test file that failed outside its tests, and every error
// Vitest caught outside a test, count as failed. Exits 1 when anything failed, or when the summary is
// missing or counts no test, so a run that tested nothing (or crashed) cannot pass.
import { readFileSync } from 'node:fs'
import type { RunSummary } from './summary-reporter.ts'

const file = process.argv[2] ?? 'reports/summary.json'
let summary: RunSummary
try {
  summary = JSON.parse(readFileSync(file, 'utf8'))
} catch (error) {
  console.log('0 passed, 1 failed')
  console.error(`summary: cannot read ${file}: ${(error as Error).message}`)
  process.exit(1)
}
const extra: string[] = []
if (summary.failedFiles.length > 0) extra.push(`${summary.failedFiles.length} test files failed to run`)
if (summary.unhandledErrors.length > 0) extra.push(`${summary.unhandledErrors.length} unhandled errors`)
for (const f of summary.failedFiles) console.error(`summary: test file failed outside its tests: ${f}`)
for (const e of summary.unhandledErrors) console.error(`summary: unhandled error: ${e}`)
if (extra.length > 0) console.log(`counted as failed: ${extra.join(', ')}`)
console.log(
  `${summary.passed} passed, ${summary.failed} failed${summary.skipped > 0 ? `, ${summary.skipped} skipped` : ''}`,
)
process.exit(summary.failed === 0 && summary.passed > 0 ? 0 : 1)

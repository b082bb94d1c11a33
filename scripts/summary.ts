// Prints the one closing line CI reads — `N passed, N failed` (and skipped, if any) — from Vitest's JSON
// report. Exits 1 when the report is missing or counts no test, so a run that tested nothing cannot pass.
import { readFileSync } from 'node:fs'

const file = process.argv[2] ?? 'reports/vitest.json'
let report: { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }
try {
  report = JSON.parse(readFileSync(file, 'utf8'))
} catch (error) {
  console.log('0 passed, 1 failed')
  console.error(`summary: cannot read ${file}: ${(error as Error).message}`)
  process.exit(1)
}
const skipped = report.numPendingTests + report.numTodoTests
console.log(
  `${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
)
process.exit(report.numPassedTests + report.numFailedTests > 0 ? 0 : 1)

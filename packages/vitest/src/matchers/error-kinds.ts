import { formatCount, type LoadReport } from '@faultline/core'

/**
 * The kinds of a report's errors, most frequent first, drops included (kind `dropped`).
 *
 * @example
 * errorKinds(report) // 'ECONNRESET 20, HTTP 503 10, dropped 3'
 */
export function errorKinds(report: LoadReport): string {
  return Object.entries(report.errorsByKind)
    .map(([kind, n]) => `${kind} ${formatCount(n)}`)
    .join(', ')
}

import { formatCount, type LoadReport } from '@faultline/core'

/**
 * The kinds of a report's errors, most frequent first, drops included (kind `dropped`).
 *
 * @example
 * errorKinds(report) // 'ECONNRESET 20, HTTP 503 10, dropped 3'
 */
export function errorKinds(report: LoadReport): string {
  const kinds = new Map(Object.entries(report.errorsByKind))
  // A report from an older @faultline/core keeps drops apart from its errors: show them among the kinds.
  if (report.dropped > 0 && !kinds.has('dropped')) kinds.set('dropped', report.dropped)
  return [...kinds]
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${formatCount(n)}`)
    .join(', ')
}

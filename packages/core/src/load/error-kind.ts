const HTTP_MESSAGE = /^HTTP \d{3}$/

const httpStatus = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599

/**
 * A short, low-cardinality name for a failure, used to group errors in a report: `HTTP <status>` for an
 * HTTP failure (a numeric `status` / `statusCode` property, or the message `HTTP 503` exactly, as in
 * `throw new Error(\`HTTP ${res.status}\`)`), else the error's `code` (`ECONNREFUSED`, `40001`), else its
 * class name (`TypeError`), else `Error`.
 *
 * @example
 * errorKind(new Error('HTTP 503'))                                 // 'HTTP 503'
 * errorKind(Object.assign(new Error('x'), { code: 'ECONNRESET' })) // 'ECONNRESET'
 * errorKind(new TypeError('x'))                                    // 'TypeError'
 */
export function errorKind(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name, message, status, statusCode } = error as Record<string, unknown>
    if (httpStatus(status)) return `HTTP ${status}`
    if (httpStatus(statusCode)) return `HTTP ${statusCode}`
    if (typeof message === 'string' && HTTP_MESSAGE.test(message)) return message
    // A DOMException's numeric `code` is a legacy number (20 for AbortError): its name says more.
    if (error instanceof DOMException) return error.name
    if (typeof code === 'string' && code !== '') return code
    if (typeof code === 'number') return String(code)
    if (typeof name === 'string' && name !== '') return name
    return 'Error'
  }
  if (typeof error === 'string' && error.length <= 40) return error
  return 'Error'
}

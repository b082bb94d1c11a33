/**
 * A short, low-cardinality name for a failure, used to group errors in a report: the error's `code`
 * (`ECONNREFUSED`, `ETIMEDOUT`), else its class name (`TypeError`), else `Error`.
 *
 * @example
 * errorKind(Object.assign(new Error('x'), { code: 'ECONNRESET' })) // 'ECONNRESET'
 * errorKind(new TypeError('x'))                                    // 'TypeError'
 */
export function errorKind(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown }
    if (typeof code === 'string' && code !== '') return code
    if (typeof code === 'number') return String(code)
    if (typeof name === 'string' && name !== '') return name
    return 'Error'
  }
  if (typeof error === 'string' && error.length <= 40) return error
  return 'Error'
}

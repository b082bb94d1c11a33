/**
 * Faultline's one default for which HTTP statuses are errors, in HTTP load reports and upstream stub
 * reports alike: every status from 400 up (client and server errors, 429 included). A test that expects
 * some 4xx answers says so with its own `isError` option.
 *
 * @example
 * isErrorStatus(503) // true
 * isErrorStatus(404) // true
 * isErrorStatus(302) // false
 */
export function isErrorStatus(status: number): boolean {
  return status >= 400
}

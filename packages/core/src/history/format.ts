/**
 * A value of a history as messages show it: strings quoted (so `"7"` and `7` differ, and a value with
 * spaces or commas stays one value), everything else as written.
 *
 * @example
 * formatValue('w3-2') // '"w3-2"'
 * formatValue(17) // '17'
 * formatValue({ id: 1 }) // '{"id":1}'
 */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value) ?? String(value)
    } catch {
      return String(value) // a cycle: better something than nothing
    }
  }
  return String(value)
}

/**
 * A value as an error or verdict message shows it: strings quoted (so `"7"` and `7` differ), numbers,
 * booleans, null and undefined as written, functions by name, arrays and objects as short JSON.
 *
 * @example
 * describeValue('7') // '"7"'
 * describeValue(undefined) // 'undefined'
 * describeValue({ ms: -1 }) // '{"ms":-1}'
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return value.name ? `function ${value.name}` : 'a function'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'symbol') return value.toString()
  if (typeof value === 'object' && value !== null) {
    try {
      const json = JSON.stringify(value)
      if (json === undefined) return String(value)
      return json.length > 80 ? `${json.slice(0, 77)}...` : json
    } catch {
      return String(value) // a cycle: better something than nothing
    }
  }
  return String(value)
}

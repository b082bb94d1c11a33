// Number formatting shared by the summary and the matchers' messages, so every number reads the same.
const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/**
 * An integer count with thousands separators.
 *
 * @example
 * formatCount(1200) // '1,200'
 */
export function formatCount(n: number): string {
  return grouped.format(n)
}

/**
 * Milliseconds for humans: three significant digits below 100 ms, whole ms above.
 *
 * @example
 * formatMs(812.4) // '812 ms'
 * formatMs(0.25)  // '0.25 ms'
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`
  if (Math.abs(ms) >= 100) return `${grouped.format(Math.round(ms))} ms`
  return `${Number(ms.toPrecision(3))} ms`
}

/**
 * A rate in [0, 1] as a percentage.
 *
 * @example
 * formatRatio(0.0123) // '1.23 %'
 */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return `${ratio}`
  const pct = ratio * 100
  return `${pct === 0 ? '0' : Number(pct.toPrecision(3))} %`
}

/**
 * A throughput in operations per second.
 *
 * @example
 * formatRate(1234.5) // '1,235/s'
 */
export function formatRate(perSecond: number): string {
  if (perSecond >= 100) return `${grouped.format(Math.round(perSecond))}/s`
  return `${Number(perSecond.toPrecision(3))}/s`
}

/**
 * Seconds with one decimal, for windows such as `10.0-20.0 s`.
 *
 * @example
 * formatSeconds(12_345) // '12.3'
 */
export function formatSeconds(ms: number): string {
  return (ms / 1000).toFixed(1)
}

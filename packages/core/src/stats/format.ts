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

// Below this, a number prints as "< 0.001" rather than in scientific notation (1.8e-8): latencies are
// kept to the microsecond, and nobody reads 1.8e-8 ms as "nothing".
const TINY = 0.001

/** Three significant digits, without scientific notation. */
function significant(n: number): string {
  if (n !== 0 && Math.abs(n) < TINY) return `${n < 0 ? '> -' : '< '}${TINY}`
  return String(Number(n.toPrecision(3)))
}

/**
 * Milliseconds for humans: three significant digits below 100 ms, whole ms above; below a microsecond,
 * `< 0.001 ms`.
 *
 * @example
 * formatMs(812.4) // '812 ms'
 * formatMs(0.25)  // '0.25 ms'
 * formatMs(1.8e-8) // '< 0.001 ms'
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`
  if (Math.abs(ms) >= 100) return `${grouped.format(Math.round(ms))} ms`
  return `${significant(ms)} ms`
}

/**
 * A rate in [0, 1] as a percentage.
 *
 * @example
 * formatRatio(0.0123) // '1.23 %'
 */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return `${ratio}`
  return `${significant(ratio * 100)} %`
}

/**
 * A throughput in operations per second.
 *
 * @example
 * formatRate(1234.5) // '1,235/s'
 */
export function formatRate(perSecond: number): string {
  if (perSecond >= 100) return `${grouped.format(Math.round(perSecond))}/s`
  return `${significant(perSecond)}/s`
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

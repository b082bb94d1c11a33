import * as hdr from 'hdr-histogram-js'
import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import { checkPercentile } from './percentile.js'

/** A latency histogram as JSON: exact moments plus the HdrHistogram, compressed. */
export interface LatencyHistogramJSON {
  readonly count: number
  readonly min: number
  readonly max: number
  readonly sum: number
  readonly sumOfSquares: number
  /** HdrHistogram V2 compressed base64 of the values in microseconds. */
  readonly hdr: string
}

// Values are kept in microseconds: whole numbers for HdrHistogram, exact up to 2.048 ms and within
// 0.1 % (3 significant digits) above. Each value is rounded up to its microsecond, and a percentile is
// the top of its bucket: rounding can make a budget harder to meet, never easier.
const US_PER_MS = 1000

/** A latency in ms as whole microseconds, never below it (the nearest µs, or the next one up). */
function toMicroseconds(ms: number): number {
  const us = Math.round(ms * US_PER_MS)
  return us / US_PER_MS < ms ? us + 1 : us
}

/**
 * Latencies in milliseconds: percentiles from an HdrHistogram (3 significant digits), and the count,
 * min, max, mean and standard deviation kept exactly beside it.
 *
 * @example
 * const h = new LatencyHistogram()
 * for (const ms of [1, 2, 3, 4, 100]) h.record(ms)
 * h.percentile(50) // 3
 * h.max            // 100
 */
export class LatencyHistogram {
  readonly #hdr: hdr.Histogram
  /** 2 or 3: what one bucket of `#hdr` spans (within 1 % or 0.1 % of its values). */
  readonly significantDigits: number
  #count = 0
  #min = Number.POSITIVE_INFINITY
  #max = Number.NEGATIVE_INFINITY
  #sum = 0
  #sumOfSquares = 0

  /**
   * @param from an HdrHistogram to wrap, or the precision in significant digits (default 3: within
   *   0.1 %; 2 is within 1 % in an eighth of the memory, used for the per-interval series).
   */
  constructor(from?: hdr.Histogram | { readonly significantDigits: 2 | 3 }) {
    this.#hdr =
      from !== undefined && 'recordValue' in from
        ? from
        : hdr.build({
            bitBucketSize: 32,
            numberOfSignificantValueDigits: from?.significantDigits ?? 3,
            autoResize: true,
          })
    this.significantDigits = this.#hdr.numberOfSignificantValueDigits
  }

  /** Records one latency in milliseconds (negative or NaN values, from clock skew, count as 0). */
  record(ms: number): void {
    this.#add(ms, 1) // the hot path of every load run: no count to check
  }

  /**
   * Records `count` latencies of `ms` each, as `count` calls of `record` would: for samples another tool
   * counted per value (Artillery's counters of response times, a replayed histogram).
   *
   * @example
   * h.recordMany(12, 40) // 40 calls of 12 ms
   */
  recordMany(ms: number, count: number): void {
    if (!Number.isSafeInteger(count) || count < 0)
      throw new FaultlineArgumentError(
        'count',
        `expected an integer >= 0, got ${describeValue(count)}`,
        this.recordMany,
      )
    if (count > 0) this.#add(ms, count)
  }

  #add(ms: number, count: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0
    this.#hdr.recordValueWithCount(toMicroseconds(value), count)
    this.#count += count
    if (value < this.#min) this.#min = value
    if (value > this.#max) this.#max = value
    this.#sum += value * count
    this.#sumOfSquares += value * value * count
  }

  /**
   * Adds every value of another histogram to this one. From a histogram of another precision, each
   * bucket is added at its highest value, so no percentile of the sum falls below the exact one.
   */
  add(other: LatencyHistogram): void {
    if (other.#count === 0) return
    // Same precision: the buckets match one to one.
    if (other.significantDigits === this.significantDigits) this.#hdr.add(other.#hdr)
    else addAtHighestValues(this.#hdr, other.#hdr)
    this.#count += other.#count
    this.#min = Math.min(this.#min, other.#min)
    this.#max = Math.max(this.#max, other.#max)
    this.#sum += other.#sum
    this.#sumOfSquares += other.#sumOfSquares
  }

  get count(): number {
    return this.#count
  }
  /** Smallest latency (ms); NaN when empty. */
  get min(): number {
    return this.#count === 0 ? Number.NaN : this.#min
  }
  /** Largest latency (ms); NaN when empty. */
  get max(): number {
    return this.#count === 0 ? Number.NaN : this.#max
  }
  /** Exact mean (ms); NaN when empty. */
  get mean(): number {
    return this.#count === 0 ? Number.NaN : this.#sum / this.#count
  }
  /** Exact population standard deviation (ms); NaN when empty. */
  get sd(): number {
    if (this.#count === 0) return Number.NaN
    const mean = this.#sum / this.#count
    return Math.sqrt(Math.max(0, this.#sumOfSquares / this.#count - mean * mean))
  }

  /**
   * The latency (ms) that `percentile` % of the samples are at or below (nearest rank, HdrHistogram's
   * definition), within 0.1 %; clamped to the exact min and max, so p0 and p100 are exact. NaN when empty.
   */
  percentile(percentile: number): number {
    checkPercentile(percentile, 'percentile', this.percentile)
    if (this.#count === 0) return Number.NaN
    if (percentile === 0) return this.#min
    if (percentile === 100) return this.#max
    const value = this.#hdr.getValueAtPercentile(percentile) / US_PER_MS
    return Math.min(this.#max, Math.max(this.#min, value))
  }

  toJSON(): LatencyHistogramJSON {
    return {
      count: this.#count,
      min: this.#count === 0 ? 0 : this.#min,
      max: this.#count === 0 ? 0 : this.#max,
      sum: this.#sum,
      sumOfSquares: this.#sumOfSquares,
      hdr: hdr.encodeIntoCompressedBase64(this.#hdr),
    }
  }

  /** Rebuilds a histogram from `toJSON()`'s output. */
  static fromJSON(json: LatencyHistogramJSON): LatencyHistogram {
    const histogram = new LatencyHistogram(hdr.decodeFromCompressedBase64(json.hdr, 32, false))
    histogram.#hdr.autoResize = true
    histogram.#count = json.count
    histogram.#min = json.count === 0 ? Number.POSITIVE_INFINITY : json.min
    histogram.#max = json.count === 0 ? Number.NEGATIVE_INFINITY : json.max
    histogram.#sum = json.sum
    histogram.#sumOfSquares = json.sumOfSquares
    return histogram
  }
}

// hdr-histogram-js adds a histogram of another precision at each bucket's lowest value, which would put
// a window's percentiles below the exact ones: add each bucket at its highest value instead.
function addAtHighestValues(into: hdr.Histogram, from: hdr.Histogram): void {
  const source = from as hdr.JsHistogram
  for (let i = 0; i < source.countsArrayLength; i++) {
    const n = source.getCountAtIndex(i)
    if (n > 0) into.recordValueWithCount(source.highestEquivalentValue(source.valueFromIndex(i)), n)
  }
}

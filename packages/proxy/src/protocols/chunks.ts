/**
 * Collects chunks until at least `need` bytes are there, so a framer waiting for a long message copies it
 * once instead of re-concatenating on every chunk.
 */
export class ChunkBuffer {
  private chunks: Buffer[] = []
  private length = 0

  /** Stream offset of the first byte held. */
  start = 0

  /** The number of bytes held. */
  get size(): number {
    return this.length
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.length += chunk.length
  }

  /** All held bytes as one buffer (copies only when there are several chunks). */
  take(): Buffer {
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length)
    this.chunks = []
    this.length = 0
    return data
  }

  /** Keeps `data.subarray(from)` as the held bytes, starting at stream offset `offset`. */
  keep(data: Buffer, from: number, offset: number): void {
    this.chunks = from < data.length ? [data.subarray(from)] : []
    this.length = data.length - from
    this.start = offset
  }
}

/**
 * Event boundaries across the relay. TCP and HTTP chunking do not keep them (two writes a
 * moment apart arrive in one read of the other process), so the relay frames each response
 * event (one replayed SSE event, one chunk as it came from upstream): a 4-byte big-endian
 * length, then the bytes. The app side cuts the body back into the same events.
 */

/** Response header saying the body is framed (absent on the relay's own error answers). */
export const FRAMING_HEADER = 'x-fetch-recordings-relay-framing'
export const FRAMING_VERSION = '1'

export function frameOf(chunk: Buffer): Buffer {
  const header = Buffer.allocUnsafe(4)
  header.writeUInt32BE(chunk.length, 0)
  return Buffer.concat([header, chunk])
}

/** Collects bytes as they arrive and hands out whole frames. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0)

  /** The frames completed by `bytes` (possibly none, possibly several). */
  push(bytes: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes])
    const frames: Buffer[] = []
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32BE(0)
      if (this.pending.length < 4 + length) break
      frames.push(this.pending.subarray(4, 4 + length))
      this.pending = this.pending.subarray(4 + length)
    }
    return frames
  }

  /** Bytes of a frame that never completed (the relay stopped mid-frame). */
  get incomplete(): boolean {
    return this.pending.length > 0
  }
}

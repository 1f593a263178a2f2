/**
 * HTTP content codings (gzip, deflate, br): live responses are stored decoded, and a stored
 * response that still names one must hold bytes that decode with it.
 */
import { brotliDecompressSync, constants, gunzipSync, inflateSync } from 'node:zlib'

const DECODABLE = new Set(['gzip', 'x-gzip', 'deflate', 'br'])

/** Codings this module can decode (others, like zstd, are stored and replayed as they came). */
export function isDecodableEncoding(encoding: string): boolean {
  return DECODABLE.has(encoding.trim().toLowerCase())
}

/** Undefined when the encoding cannot be decoded here (then the raw bytes are kept). */
export function decodeBody(bytes: Buffer, encoding: string, complete: boolean): Buffer | undefined {
  if (bytes.length === 0) return bytes
  // A cut-off stream is decoded as far as it goes.
  const flush = complete ? {} : { finishFlush: constants.Z_SYNC_FLUSH }
  try {
    switch (encoding.trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(bytes, flush)
      case 'deflate':
        return inflateSync(bytes, flush)
      case 'br':
        return brotliDecompressSync(bytes, complete ? {} : { finishFlush: constants.BROTLI_OPERATION_FLUSH })
      default:
        return undefined
    }
  } catch {
    return undefined
  }
}

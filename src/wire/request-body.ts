/**
 * undici hands request bodies over in several shapes. Node's fetch passes an async iterable
 * of byte chunks, or, to a dispatcher that reports `isMockActive` (ours, see dispatcher.ts),
 * the body as the caller gave it: a string (URLSearchParams arrive as their string), a
 * Uint8Array (any BufferSource), a Blob, a FormData, or the web stream of a stream body.
 * The body is read once, into one Buffer: it is keyed for matching and the same bytes are
 * forwarded when recording.
 */

export interface RequestBody {
  bytes: Buffer
  /**
   * Set when the bytes were encoded here (a FormData): the multipart content type with the
   * boundary these bytes use, which replaces the one fetch announced.
   */
  contentType?: string | undefined
  /** The caller sent a stream: it is forwarded as one (chunked when no length was given), as fetch would. */
  streamed?: boolean
  /** The body as the caller gave it, when it was a string (a JSON body: see sameAsSent). */
  text?: string | undefined
}

const EMPTY = Buffer.alloc(0)

/** A string body: its bytes are made when first asked for (a body matched as sent needs none). */
export function textBody(text: string): RequestBody {
  let bytes: Buffer | undefined
  return {
    text,
    get bytes() {
      bytes ??= Buffer.from(text)
      return bytes
    },
  }
}

/** The body's bytes when they can be had without waiting (strings and bytes); else undefined. */
export function requestBodyNow(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return EMPTY
  if (typeof body === 'string') return Buffer.from(body)
  if (Buffer.isBuffer(body)) return body
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof ArrayBuffer) return Buffer.from(body)
  return undefined
}

export async function readRequestBody(body: unknown): Promise<RequestBody> {
  const now = requestBodyNow(body)
  if (now) return { bytes: now }
  if (isFormData(body)) {
    // Encoded by the same undici that fetch uses; the boundary is a new random one, so the
    // content type that goes with these bytes travels with them.
    const encoded = new Response(body as FormData)
    return {
      bytes: Buffer.from(await encoded.arrayBuffer()),
      contentType: encoded.headers.get('content-type') ?? undefined,
    }
  }
  if (
    typeof (body as any)[Symbol.asyncIterator] === 'function' ||
    typeof (body as any)[Symbol.iterator] === 'function'
  ) {
    const chunks: Buffer[] = []
    for await (const chunk of body as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array))
    }
    return { bytes: Buffer.concat(chunks), streamed: true }
  }
  if (typeof (body as Blob).arrayBuffer === 'function') {
    return { bytes: Buffer.from(await (body as Blob).arrayBuffer()) }
  }
  throw new TypeError(
    `fetch-recordings cannot read a request body of type ${Object.prototype.toString.call(body)}`,
  )
}

/** FormData of any realm (duck-typed as undici does). */
export function isFormData(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as any)[Symbol.toStringTag] === 'FormData' &&
    typeof (body as any).getAll === 'function'
  )
}

/**
 * undici hands request bodies over in several shapes (Node's fetch always as an async
 * iterable of byte chunks). The body is read once, into one Buffer: it is hashed for matching
 * and the same bytes are forwarded when recording.
 */
export async function readRequestBody(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0)
  if (typeof body === 'string') return Buffer.from(body)
  if (Buffer.isBuffer(body)) return body
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof ArrayBuffer) return Buffer.from(body)
  if (
    typeof (body as any)[Symbol.asyncIterator] === 'function' ||
    typeof (body as any)[Symbol.iterator] === 'function'
  ) {
    const chunks: Buffer[] = []
    for await (const chunk of body as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array))
    }
    return Buffer.concat(chunks)
  }
  if (typeof (body as Blob).arrayBuffer === 'function') return Buffer.from(await (body as Blob).arrayBuffer())
  throw new TypeError(
    `fetch-recordings cannot read a request body of type ${Object.prototype.toString.call(body)}`,
  )
}

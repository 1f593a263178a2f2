/**
 * The request as it goes to the real dispatcher while recording or passing through: the same
 * request the caller's fetch would have sent, in the shape undici 7 accepts from every Node.
 *
 * Node 20 and 22's fetch (undici 6) appends its own content-length to one the caller set, so
 * the header arrives as `5, 5`, which undici 7 refuses (UND_ERR_INVALID_ARG) where Node's own
 * undici 6 sends it: repeated equal values are collapsed into one (RFC 9110 §8.6 allows it).
 * A body read here to be keyed is forwarded as bytes, or as a stream when the caller gave a
 * stream, so it is framed as fetch would frame it (content-length, or chunked).
 */
import { isUtf8 } from 'node:buffer'
import type { IdMap } from '../ids/normalize-ids.js'
import type { RequestBody } from './request-body.js'

/** Passthrough and live requests: only the headers are made acceptable to undici 7. */
export function untouchedRequest(options: any): any {
  return { ...options, headers: singleContentLength(options.headers) }
}

/**
 * A request whose body was read (recording, or a FormData passed through), with real ids back
 * in; `bytes` is the body it sends.
 */
export function requestToForward(
  options: any,
  body: RequestBody,
  ids: IdMap | undefined,
): { request: any; bytes: Buffer } {
  let headers = singleContentLength(options.headers)
  let bytes = body.bytes
  if (body.contentType) {
    // Encoded here (a FormData): the content type names this encoding's boundary (in place).
    headers = withContentType(headers, body.contentType)
  }
  const path = ids ? ids.restore(options.path) : options.path
  const restored = ids ? withRealIds(bytes, ids) : bytes
  if (restored !== bytes) {
    // The body changed length: undici computes content-length from what it is given.
    bytes = restored
    headers = editHeaders(headers, dropping('content-length'))
  }
  const request = { ...options, path, headers, body: body.streamed ? oneChunkStream(bytes) : bytes }
  return { request, bytes }
}

function withRealIds(body: Buffer, ids: IdMap): Buffer {
  if (body.length === 0 || !isUtf8(body)) return body
  const text = body.toString('utf8')
  const restored = ids.restore(text)
  return restored === text ? body : Buffer.from(restored)
}

async function* oneChunkStream(bytes: Buffer): AsyncGenerator<Buffer> {
  if (bytes.length > 0) yield bytes
}

type HeaderEdit = (lowerName: string, value: unknown) => unknown

const dropping =
  (...names: string[]): HeaderEdit =>
  (name, value) =>
    names.includes(name) ? undefined : value

function singleContentLength(headers: unknown): unknown {
  if (isPlainObject(headers) && editsNothing(headers)) return headers
  return editHeaders(headers, (name, value) => {
    if (name !== 'content-length') return value
    const values = String(value)
      .split(',')
      .map((part) => part.trim())
    return values.every((part) => part === values[0]) ? values[0] : value
  })
}

function isPlainObject(headers: unknown): headers is Record<string, unknown> {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return false
  return Object.getPrototypeOf(headers) === Object.prototype
}

/**
 * Fetch's headers (an object, lower-case names) as singleContentLength would leave them, so they
 * need no copy: no undefined value (a copy drops it), a content-length of one plain value.
 */
function editsNothing(headers: Record<string, unknown>): boolean {
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    if (value === undefined) return false
    if (name.length !== 14 || name.toLowerCase() !== 'content-length') continue
    if (typeof value !== 'string' || value.includes(',') || value.trim() !== value) return false
  }
  return true
}

function withContentType(headers: unknown, contentType: string): unknown {
  let found = false
  const edited = editHeaders(headers, (name, value) => {
    if (name === 'content-length') return undefined
    if (name !== 'content-type') return value
    found = true
    return contentType
  })
  if (found) return edited
  if (Array.isArray(edited)) return [...edited, 'content-type', contentType]
  return { ...(edited as object), 'content-type': contentType }
}

/**
 * Headers in any shape undici takes (object, flat array, array of pairs, iterable), each value
 * passed through `edit` (undefined drops the header). Objects stay objects; the rest become a
 * flat array.
 */
function editHeaders(headers: unknown, edit: HeaderEdit): unknown {
  if (!headers) return headers
  const pairs: Array<[unknown, unknown]> = []
  if (Array.isArray(headers)) {
    if (Array.isArray(headers[0])) for (const pair of headers as unknown[][]) pairs.push([pair[0], pair[1]])
    else for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i], headers[i + 1]])
  } else if (typeof (headers as any)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[unknown, unknown]>) pairs.push([name, value])
  } else {
    const out: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(headers as object)) {
      const edited = edit(name.toLowerCase(), value)
      if (edited !== undefined) out[name] = edited
    }
    return out
  }
  const out: unknown[] = []
  for (const [name, value] of pairs) {
    const edited = edit(String(name).toLowerCase(), value)
    if (edited !== undefined) out.push(name, edited)
  }
  return out
}

/**
 * Sits between the network and the client while recording, so the client reads normalized
 * ids (normalize-ids.ts) exactly as a later replay will serve them. Uncompressed text (SSE,
 * NDJSON, JSON, plain text) is rewritten line by line as it arrives, so streams keep
 * streaming; compressed non-stream text is held to the end, decoded, rewritten, then
 * delivered. Binary bodies and compressed streams pass through untouched (and are stored so).
 */

import { isUtf8 } from 'node:buffer'
import { decodeBody } from '../recording/response-store.js'
import type { ClientSink, ResponseHeaders } from '../wire/handler-api.js'
import { ID_HEADERS } from './id-rules.js'
import type { IdMap, NormalizeContext } from './normalize-ids.js'

const STREAM_TYPE = /text\/event-stream|ndjson|jsonl/i
const TEXT_TYPE = /json|^text\/|xml|javascript/i

export interface NormalizingSink extends ClientSink {
  /** Whether this response was rewritten (decided when its headers arrive). */
  readonly normalized: boolean
}

/** How one response is normalized: its text, and its per-request id headers. */
export interface IdNormalizer {
  text(text: string): string
  header(value: string): string
}

export function idNormalizer(ids: IdMap, context: NormalizeContext): IdNormalizer {
  return {
    text: (text) => ids.normalize(text, context),
    header: (value) => ids.normalizeHeader(value, context),
  }
}

/** The request as the server gets it (path and text body): what the client sent itself. */
export function sentText(options: { path?: unknown; body?: unknown }): string {
  const body = Buffer.isBuffer(options.body) && isUtf8(options.body) ? options.body.toString('utf8') : ''
  return `${String(options.path ?? '')}\n${body}`
}

/** `bodiless`: the answer to a HEAD, whose content-length is the resource's: headers only. */
export function normalizingSink(
  client: ClientSink,
  normalizer: IdNormalizer,
  { bodiless = false }: { bodiless?: boolean } = {},
): NormalizingSink {
  const rewrite = normalizer.text
  let mode: 'pass' | 'stream' | 'hold' = 'pass'
  let pending = ''
  const decoder = new TextDecoder()
  let held: { status: number; headers: ResponseHeaders; statusText: string; chunks: Buffer[] } | undefined

  return {
    get normalized() {
      return mode !== 'pass'
    },
    start: (controller) => client.start(controller),
    headers(status, rawHeaders, statusText) {
      const headers = withIdHeaders(rawHeaders, normalizer.header)
      const contentType = String(headerValue(headers, 'content-type') ?? '')
      const encoding = headerValue(headers, 'content-encoding')
      // Uncompressed text is rewritten line by line as it arrives, whatever its type says (a
      // chunked text/plain stream must keep streaming); compressed text is held, then decoded.
      if (bodiless) mode = 'pass'
      else if (STREAM_TYPE.test(contentType)) mode = encoding ? 'pass' : 'stream'
      // A text body of known length is held too: it is delivered with its rewritten length.
      else if (TEXT_TYPE.test(contentType))
        mode = encoding || headerValue(headers, 'content-length') !== undefined ? 'hold' : 'stream'
      if (mode === 'hold') {
        held = { status, headers, statusText, chunks: [] }
        return true
      }
      // A rewritten body no longer has the server's length.
      return client.headers(status, mode === 'stream' ? withoutLength(headers) : headers, statusText)
    },
    data(chunk) {
      if (mode === 'pass') return client.data(chunk)
      if (mode === 'hold') {
        held?.chunks.push(chunk)
        return true
      }
      pending += decoder.decode(chunk, { stream: true })
      const end = pending.lastIndexOf('\n')
      if (end === -1) return true
      const lines = pending.slice(0, end + 1)
      pending = pending.slice(end + 1)
      return client.data(Buffer.from(rewrite(lines)))
    },
    end() {
      if (mode === 'stream') {
        pending += decoder.decode()
        if (pending) client.data(Buffer.from(rewrite(pending)))
      } else if (mode === 'hold' && held) {
        deliverHeld(client, held, rewrite)
      }
      client.end()
    },
    error: (error) => client.error(error),
  }
}

function deliverHeld(
  client: ClientSink,
  held: { status: number; headers: ResponseHeaders; statusText: string; chunks: Buffer[] },
  rewrite: (text: string) => string,
): void {
  const raw = Buffer.concat(held.chunks)
  const headers: ResponseHeaders = { ...held.headers }
  const encoding = headerValue(headers, 'content-encoding')
  const decoded = encoding ? decodeBody(raw, String(encoding), true) : raw
  let body = raw
  if (decoded) {
    body = Buffer.from(rewrite(decoded.toString('utf8')))
    for (const name of Object.keys(headers)) {
      if (/^content-(encoding|length)$/i.test(name)) delete headers[name]
    }
    headers['content-length'] = String(body.length)
  }
  client.headers(held.status, headers, held.statusText)
  if (body.length > 0) client.data(body)
}

function withIdHeaders(headers: ResponseHeaders, normalize: (value: string) => string): ResponseHeaders {
  let out: ResponseHeaders | undefined
  for (const [name, value] of Object.entries(headers)) {
    if (!ID_HEADERS.has(name.toLowerCase()) || typeof value !== 'string') continue
    out ??= { ...headers }
    out[name] = normalize(value)
  }
  return out ?? headers
}

function withoutLength(headers: ResponseHeaders): ResponseHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
  )
}

function headerValue(headers: ResponseHeaders, name: string): string | string[] | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value
  return undefined
}

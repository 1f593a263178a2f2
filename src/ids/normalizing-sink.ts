/**
 * Sits between the network and the client while recording, so the client reads normalized
 * ids (normalize-ids.ts) exactly as a later replay will serve them. Uncompressed text (SSE,
 * NDJSON, JSON, plain text) is rewritten as it arrives, so streams keep streaming: SSE and
 * NDJSON a line at a time (their lines end with every event), other text (a token stream, a
 * chunked JSON document) a chunk at a time, cut where it arrived (an id split by the network
 * is then left as sent: the stored body is rewritten with the same cuts, so replay serves what
 * the client read). Compressed non-stream text is held to the end, decoded, rewritten, then
 * delivered. Binary bodies, text in another charset than UTF-8 and compressed streams pass
 * through untouched (and are stored so); so do the bytes of a body that turn out not UTF-8.
 */

import { isUtf8 } from 'node:buffer'
import { completeUtf8Length } from '../format/body-codec.js'
import { decodeBody } from '../recording/response-store.js'
import type { ClientSink, ResponseHeaders } from '../wire/handler-api.js'
import { ID_HEADERS } from './id-rules.js'
import type { IdMap, NormalizeContext } from './normalize-ids.js'

const STREAM_TYPE = /text\/event-stream|ndjson|jsonl/i
const TEXT_TYPE = /json|^text\/|xml|javascript/i
/** A declared charset that is not UTF-8 (or its ASCII subset): such text is never rewritten. */
const OTHER_CHARSET = /;\s*charset\s*=\s*"?(?!(?:utf-?8|us-ascii|ascii)\b)[^\s;"]+/i

export interface NormalizingSink extends ClientSink {
  /** Whether this response was rewritten (decided when its headers arrive). */
  readonly normalized: boolean
  /** The stored body's text rewritten as the client's was: the pieces the client read. */
  rewriteStored(text: string): string[]
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
  /** Streams whose every event ends a line wait for its end; other text is cut as it came. */
  let byLine = false
  const stream = textStream(rewrite)
  let held: { status: number; headers: ResponseHeaders; statusText: string; chunks: Buffer[] } | undefined

  return {
    get normalized() {
      return mode !== 'pass'
    },
    rewriteStored: (text) => stream.rewriteWithCuts(text),
    start: (controller) => client.start(controller),
    headers(status, rawHeaders, statusText) {
      const headers = withIdHeaders(rawHeaders, normalizer.header)
      const contentType = String(headerValue(headers, 'content-type') ?? '')
      const encoding = headerValue(headers, 'content-encoding')
      byLine = STREAM_TYPE.test(contentType)
      // Uncompressed text is rewritten as it arrives, whatever its type says (a chunked
      // text/plain stream must keep streaming); compressed text is held, then decoded.
      if (bodiless || OTHER_CHARSET.test(contentType)) mode = 'pass'
      else if (byLine) mode = encoding ? 'pass' : 'stream'
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
      const out = stream.push(chunk, byLine)
      return out ? client.data(out) : true
    },
    end() {
      if (mode === 'stream') {
        const out = stream.flush()
        if (out) client.data(out)
      } else if (mode === 'hold' && held) {
        deliverHeld(client, held, rewrite)
      }
      client.end()
    },
    error: (error) => client.error(error),
  }
}

/**
 * Uncompressed text rewritten piece by piece. Pending bytes are kept raw: a piece that is not
 * UTF-8 is handed over as it came (and so is the rest of the body: the store keeps it as bytes),
 * never decoded into replacement characters. `cuts` are the text offsets where each piece
 * ended, so the stored body is rewritten in the same pieces (and kept in them: replay hands
 * the client one per read).
 */
function textStream(rewrite: (text: string) => string) {
  let pending: Buffer = Buffer.alloc(0)
  let raw = false
  let deliveredChars = 0
  const cuts: number[] = []

  const deliver = (piece: Buffer): Buffer | undefined => {
    if (piece.length === 0) return undefined
    if (raw || !isUtf8(piece)) {
      raw = true
      return piece
    }
    const text = piece.toString('utf8')
    deliveredChars += text.length
    cuts.push(deliveredChars)
    return Buffer.from(rewrite(text))
  }

  return {
    push(chunk: Buffer, byLine: boolean): Buffer | undefined {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      const end = raw ? pending.length : byLine ? pending.lastIndexOf(0x0a) + 1 : completeUtf8Length(pending)
      const piece = pending.subarray(0, end)
      pending = pending.subarray(end)
      return deliver(piece)
    },
    flush(): Buffer | undefined {
      const piece = pending
      pending = Buffer.alloc(0)
      return deliver(piece)
    },
    // Text is rewritten a line at a time: a cut at a line end changes nothing in what it gives.
    rewriteWithCuts(text: string): string[] {
      const pieces: string[] = []
      let from = 0
      for (const cut of cuts) {
        if (cut >= text.length) break
        pieces.push(rewrite(text.slice(from, cut)))
        from = cut
      }
      pieces.push(rewrite(text.slice(from)))
      return pieces
    },
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
  // Bytes that are not UTF-8 are never decoded: the client gets them as sent (and they are stored so).
  if (decoded && isUtf8(decoded)) {
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

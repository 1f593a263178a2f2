/**
 * A captured live response → its stored form, and a stored response → the bytes replay sends.
 * Compressed bodies are stored decoded (and replayed without content-encoding), per-request
 * headers are not stored, so a re-record of identical traffic is byte-identical.
 */
import { isUtf8 } from 'node:buffer'
import { STATUS_CODES } from 'node:http'
import { encodeResponseBody, responseChunks } from '../format/body-codec.js'
import { decodeBody } from '../format/content-encoding.js'
import type { CutBy, StoredResponse, StoredResponseHeaders } from '../format/format.js'
import { ID_HEADERS } from '../ids/id-rules.js'
import type { ResponseHeaders } from '../wire/handler-api.js'
import type { CapturedResponse } from '../wire/record.js'
import type { ReplayableResponse } from '../wire/replay.js'

/** Framing and per-request headers: recomputed on replay or meaningless there. */
const NEVER_STORED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length'])

export const DEFAULT_VOLATILE_HEADERS = [
  'date',
  'age',
  'x-request-id',
  'request-id',
  'x-goog-request-id',
  'x-debug-trace-id',
  'mistral-correlation-id',
  'x-kong-request-id',
  'x-kong-upstream-latency',
  'x-kong-proxy-latency',
  'openai-processing-ms',
  'openai-organization',
  'anthropic-organization-id',
  'cf-ray',
  'cf-cache-status',
  'server-timing',
  'x-envoy-upstream-service-time',
  'x-amzn-requestid',
  'x-amz-cf-id',
  'x-amz-cf-pop',
  'alt-svc',
  'x-cloud-trace-context',
  'traceparent',
  'tracestate',
  'x-trace-id',
  'x-amzn-trace-id',
  'x-amz-request-id',
  'x-amz-id-2',
  'apim-request-id',
  'x-ms-request-id',
]
/** Counters and reset times change every request; the limits themselves are kept. */
const VOLATILE_PATTERNS = [
  /^x-ratelimit-(remaining|reset)/,
  /^anthropic-ratelimit-.*-(remaining|reset)$/,
  /^ratelimitbysize-(remaining|reset)$/,
  /^x-trial-endpoint-call-remaining$/,
]

/**
 * A cookie's `Expires` date moves with every response (Cloudflare's `__cf_bm` on every OpenAI
 * answer: 30 minutes ahead): stored as one far-future date, so a re-record of the same traffic
 * is byte-identical and a replay months later still hands the client a live cookie, as it was
 * when recorded. Each line is one header: a comma inside a date must never join two cookies.
 */
export const STORED_COOKIE_EXPIRY = 'Fri, 31 Dec 9999 23:59:59 GMT'

function stableSetCookie(line: string): string {
  return line.replace(/(;\s*expires\s*=)[^;]*/gi, `$1${STORED_COOKIE_EXPIRY}`)
}

export function isStoredResponseHeader(name: string, volatile: ReadonlySet<string>): boolean {
  return !NEVER_STORED.has(name) && !volatile.has(name) && !VOLATILE_PATTERNS.some((p) => p.test(name))
}

/**
 * Id normalization, applied as it was for the client: to a decoded text body (giving the
 * pieces the client read), to id headers.
 */
export interface StoredRewrite {
  text?: ((text: string) => string[]) | undefined
  header(value: string): string
}

const STREAMED_TYPE = /text\/event-stream|ndjson|jsonl/i

export function storedResponseOf(
  captured: CapturedResponse,
  volatile: ReadonlySet<string>,
  rewrite?: StoredRewrite,
): StoredResponse {
  const headers: StoredResponseHeaders = {}
  for (const [rawName, value] of Object.entries(captured.headers)) {
    const name = rawName.toLowerCase()
    const text = Array.isArray(value) ? value.join(', ') : value
    // A request id is kept normalized (SDKs expose it as `_request_id`), dropped without ids.
    if (rewrite && ID_HEADERS.has(name)) headers[name] = rewrite.header(text)
    else if (name === 'set-cookie' && isStoredResponseHeader(name, volatile))
      headers[name] = [value].flat().map(stableSetCookie)
    else if (isStoredResponseHeader(name, volatile)) headers[name] = text
  }
  let bytes: Buffer = Buffer.concat(captured.chunks)
  const encoding = headers['content-encoding'] as string | undefined
  const contentType = String(headers['content-type'] ?? '')
  let pieces = streamedPieces(captured, contentType)
  const decoded = encoding ? decodeBody(bytes, encoding, captured.complete) : undefined
  if (decoded) {
    bytes = decoded
    delete headers['content-encoding']
  }
  if (rewrite?.text && (decoded || !encoding) && isUtf8(bytes)) {
    const texts = rewrite.text(bytes.toString('utf8'))
    bytes = Buffer.from(texts.join(''))
    if (pieces) pieces = texts.map((text) => Buffer.from(text))
  }
  const length = resourceLength(captured, bytes)
  if (length !== undefined) headers['content-length'] = length
  const statusText =
    captured.statusText === (STATUS_CODES[captured.status] ?? '') ? {} : { status_text: captured.statusText }
  const body = encodeResponseBody(bytes, contentType, pieces)
  return {
    status: captured.status,
    ...statusText,
    headers,
    is_streaming: STREAMED_TYPE.test(contentType) || Array.isArray(body.body),
    ...body,
    ...(captured.complete ? {} : { truncated: true, truncated_by: captured.cutBy ?? 'test-end' }),
  }
}

/**
 * The cuts of a stream the client read piece by piece, when they are the server's: a body with
 * no length and no compression (a compressed body's cuts say nothing of the decoded text; a
 * body with a length is a document, cut by the network). SSE and NDJSON are cut by event.
 */
function streamedPieces(captured: CapturedResponse, contentType: string): Buffer[] | undefined {
  if (captured.chunks.length < 2 || STREAMED_TYPE.test(contentType)) return undefined
  for (const name of Object.keys(captured.headers)) {
    if (/^content-(length|encoding)$/i.test(name)) return undefined
  }
  return captured.chunks
}

export { decodeBody }

/**
 * A whole response with no body whose content-length is not 0 (a HEAD, a 304): the header
 * describes the resource, not these bytes, so it cannot be recomputed on replay and is kept.
 */
function resourceLength(captured: CapturedResponse, body: Buffer): string | undefined {
  if (!captured.complete || body.length > 0) return undefined
  for (const [name, value] of Object.entries(captured.headers)) {
    if (name.toLowerCase() !== 'content-length') continue
    const length = String(Array.isArray(value) ? value[0] : value).trim()
    return /^[1-9]\d*$/.test(length) ? length : undefined
  }
  return undefined
}

const replayCache = new WeakMap<StoredResponse, ReplayableResponse>()

/** How long replay holds a stream cut by the client's deadline open for that deadline to fire again. */
export const DEADLINE_HOLD_MS = 10_000

/** Computed once per stored response: replaying it again costs no encoding work. */
export function replayableOf(
  stored: StoredResponse,
  truncatedError: (cutBy: CutBy | undefined) => Error,
): ReplayableResponse {
  const cached = replayCache.get(stored)
  if (cached) return cached
  const chunks = responseChunks(stored)
  const headers: ResponseHeaders = { ...stored.headers }
  let length = 0
  for (const chunk of chunks) length += chunk.length
  const keepsLength = length === 0 && headers['content-length'] !== undefined
  if (!stored.is_streaming && !stored.truncated && stored.status !== 204 && stored.status !== 304) {
    if (!keepsLength) headers['content-length'] = String(length)
  } else if (!keepsLength) {
    delete headers['content-length']
  }
  // Built in one shape (no spread of optional parts): made once per distinct stored response.
  const replayable: ReplayableResponse = {
    status: stored.status,
    statusText: stored.status_text ?? STATUS_CODES[stored.status] ?? '',
    headers,
    chunks,
  }
  if (stored.truncated) replayable.endError = () => truncatedError(stored.truncated_by)
  if (stored.truncated_by === 'client-timeout') replayable.holdMs = DEADLINE_HOLD_MS
  replayCache.set(stored, replayable)
  return replayable
}

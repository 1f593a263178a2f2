/**
 * A live request → its stored form → its match key. Both sides of a match go through the
 * same functions (live requests at dispatch, stored requests when a file is loaded), so a
 * change of normalization applies to old recordings without re-recording.
 */
import { stringify } from 'safe-stable-stringify'
import { encodeRequestBody } from './body-codec.js'
import type { StoredRequest } from './format.js'
import { isSecretParam, redactString, redactTree } from './secrets.js'

export interface LiveRequest {
  method: string
  url: URL
  /** Lower-case names. */
  headers: Record<string, string>
  body: Buffer
}

export interface KeyRules {
  /** Headers (lower case) stored and part of the key. */
  matchHeaders: readonly string[]
  secretParams: ReadonlySet<string>
  normalizeRequest?: ((request: StoredRequest) => StoredRequest | undefined) | undefined
}

/** Headers stored with every request: they tell a reader how to read the body. */
const STORED_HEADERS = ['content-type']

/** `secrets`: values to redact from the body before it is stored or keyed (same on both sides). */
export function storedRequestOf(
  live: LiveRequest,
  rules: KeyRules,
  secrets: readonly string[] = [],
  found: Set<string> = new Set(),
): StoredRequest {
  const url = new URL(live.url)
  for (const name of [...url.searchParams.keys()]) {
    if (isSecretParam(name, rules.secretParams)) url.searchParams.delete(name)
  }
  const headers: Record<string, string> = {}
  for (const name of [...STORED_HEADERS, ...rules.matchHeaders]) {
    const value = live.headers[name]
    if (value !== undefined) headers[name] = value
  }
  const encoded = encodeRequestBody(live.body, live.headers['content-type'] ?? '')
  if (encoded.body !== undefined) encoded.body = redactTree(encoded.body, secrets, found)
  // The boundary is random on every run; the stored parts make it meaningless.
  if (encoded.body_encoding === 'multipart' && headers['content-type']) {
    headers['content-type'] = headers['content-type'].replace(/;\s*boundary=[^;]*/i, '')
  }
  // A secret can sit in the path or in a parameter with an ordinary name (`/bot<token>/getMe`):
  // redacted here, so the stored URL and the key are the same on every run, with any key.
  const href = redactUrl(url.href, secrets)
  const stored: StoredRequest = {
    method: live.method.toUpperCase(),
    url: href,
    endpoint: href === url.href ? url.pathname : new URL(href).pathname,
    ...modelOf(encoded.body),
    headers,
    ...encoded,
  }
  return rules.normalizeRequest ? (rules.normalizeRequest(stored) ?? stored) : stored
}

function redactUrl(href: string, secrets: readonly string[]): string {
  if (secrets.length === 0) return href
  const forms = new Set<string>()
  for (const secret of secrets) {
    forms.add(secret)
    forms.add(encodeURIComponent(secret))
  }
  return redactString(href, [...forms], new Set())
}

function modelOf(body: unknown): { model?: string } {
  if (typeof body === 'object' && body !== null && typeof (body as any).model === 'string') {
    return { model: (body as any).model }
  }
  return {}
}

/**
 * The canonical request as one string (used directly as the Map key: the map hashes it).
 * Method, URL with sorted query, the match headers, the body with sorted keys. Everything that
 * varies by machine, SDK version or retry is absent because it was never stored.
 */
export function requestKey(request: StoredRequest, matchHeaders: readonly string[]): string {
  const url = new URL(request.url)
  url.searchParams.sort()
  const headers: Record<string, string> = {}
  for (const name of matchHeaders) {
    const value = request.headers?.[name]
    if (value !== undefined) headers[name] = value
  }
  const body = request.body_encoding === 'form' ? sortedPairs(request.body) : request.body
  return `${request.method.toUpperCase()} ${url.href}\n${stringify(headers)}\n${request.body_encoding ?? ''}:${stringify(body) ?? ''}`
}

function sortedPairs(body: unknown): unknown {
  if (!Array.isArray(body)) return body
  return [...body].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
}

/** A one-line summary for messages: `POST /v1/chat/completions (gpt-4o) at https://host`. */
export function describeRequest(request: StoredRequest): string {
  const url = new URL(request.url)
  const model = request.model ? ` model=${request.model}` : ''
  return `${request.method} ${url.origin}${request.endpoint}${url.search}${model}`
}

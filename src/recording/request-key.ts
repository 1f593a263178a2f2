/**
 * A live request → its stored form → its match key. Both sides of a match go through the
 * same functions (live requests at dispatch, stored requests when a file is loaded), so a
 * change of normalization applies to old recordings without re-recording.
 */
import { stringify } from 'safe-stable-stringify'
import { encodeRequestBody } from '../format/body-codec.js'
import type { StoredRequest } from '../format/format.js'
import { isCredentialParam } from '../privacy/credential-names.js'
import { redactRequest } from '../privacy/redact-recording.js'
import { secretMatcherOf } from '../privacy/secret-encodings.js'
import { remembered } from '../remembered.js'

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

/**
 * A live request in stored form, its key, and the credential values redacted from it. The key
 * is made when first asked for: a request replayed in recorded order is matched without it
 * (Recording.match, `sameStoredRequest`), and canonicalizing a body is most of keying.
 */
export class KeyedRequest {
  private canonical: string | undefined

  constructor(
    readonly request: StoredRequest,
    readonly redacted: readonly string[],
    private readonly matchHeaders: readonly string[],
  ) {}

  get key(): string {
    this.canonical ??= requestKey(this.request, this.matchHeaders)
    return this.canonical
  }
}

const MAX_CACHED_BODY = 16 * 1024
const MAX_CACHED_TARGETS = 256
const MAX_CACHED_BODIES = 32

/**
 * Identical live requests (a test asking the same thing twice, a retry, a poll, an SDK's two
 * ways of making one call) are put in stored form and keyed once: parsing and canonicalizing
 * the body was most of the library's own work per replayed request (docs/performance.md).
 * Looked up by everything the result depends on: method, URL, the stored headers and the
 * secret values in force (the target), then the body's bytes. Not with `normalizeRequest`: a
 * user's function is called for every request, as documented. Bounded: bodies up to 16 KB,
 * 32 bodies per target, 256 targets.
 */
export class KeyedRequests {
  private readonly cache = new Map<string, { body: Buffer; keyed: KeyedRequest }[]>()

  constructor(private readonly rules: KeyRules) {}

  of(live: LiveRequest, secrets: readonly string[]): KeyedRequest {
    const target = this.targetOf(live, secrets)
    const bodies = target === undefined ? undefined : this.cache.get(target)
    if (bodies) {
      for (const entry of bodies) if (entry.body.equals(live.body)) return entry.keyed
    }
    const found = new Set<string>()
    const request = storedRequestOf(live, this.rules, secrets, found)
    const keyed = new KeyedRequest(request, [...found], this.rules.matchHeaders)
    if (target === undefined) return keyed
    if (!bodies) {
      // A target seen once is only noted: a suite of distinct requests (each test its own
      // prompt) would otherwise copy and keep every body for nothing.
      if (this.cache.size >= MAX_CACHED_TARGETS) this.cache.clear()
      this.cache.set(target, [])
      return keyed
    }
    if (bodies.length >= MAX_CACHED_BODIES) bodies.shift()
    // A copy: a Uint8Array body is the caller's memory, which the caller may reuse.
    bodies.push({ body: Buffer.from(live.body), keyed })
    return keyed
  }

  private targetOf(live: LiveRequest, secrets: readonly string[]): string | undefined {
    if (this.rules.normalizeRequest || live.body.length > MAX_CACHED_BODY) return undefined
    // NUL cannot occur in a URL, a header value or a secret (one of those): the parts stay apart.
    let id = `${live.method}\0${live.url.href}`
    for (const name of STORED_HEADERS) id += `\0${headerPart(live.headers[name])}`
    for (const name of this.rules.matchHeaders) id += `\0${headerPart(live.headers[name])}`
    for (const secret of secrets) id += `\0${secret}`
    return id
  }
}

/** An absent header and an empty one are different requests. */
function headerPart(value: string | undefined): string {
  return value === undefined ? '\u0001' : `=${value}`
}

/**
 * `secrets`: the credential values this request itself carries (credential-sources.ts),
 * redacted before it is stored or keyed. Never the run's other secrets or the environment's:
 * a key must be the same whichever files ran before and on whichever machine, and a
 * credential-named field is `[redacted]` whatever its value, so a dummy CI key matches.
 */
export function storedRequestOf(
  live: LiveRequest,
  rules: KeyRules,
  secrets: readonly string[] = [],
  found: Set<string> = new Set(),
): StoredRequest {
  const redaction = { matcher: secretMatcherOf(secrets), found, extra: rules.secretParams }
  const url = withoutSecretParams(live.url, rules.secretParams)
  const headers: Record<string, string> = {}
  for (const name of STORED_HEADERS) {
    const value = live.headers[name]
    if (value !== undefined) headers[name] = value
  }
  for (const name of rules.matchHeaders) {
    const value = live.headers[name]
    if (value !== undefined) headers[name] = value
  }
  const encoded = encodeRequestBody(live.body, live.headers['content-type'] ?? '')
  // The boundary is random on every run; the stored parts make it meaningless.
  if (encoded.body_encoding === 'multipart' && headers['content-type']) {
    headers['content-type'] = headers['content-type'].replace(/;\s*boundary=[^;]*/i, '')
  }
  // Redacted exactly as a stored request is when its file is loaded (recorder.keyOfStored):
  // a credential in the path (`/bot<token>/getMe`), in a parameter with an ordinary name or a
  // named body field becomes `[redacted]` on both sides, so the key is the same with any key.
  const stored = redactRequest(
    {
      method: live.method.toUpperCase(),
      url: url.href,
      endpoint: url.pathname,
      ...modelOf(encoded.body),
      headers,
      ...encoded,
    },
    redaction,
  )
  return rules.normalizeRequest ? (rules.normalizeRequest(stored) ?? stored) : stored
}

/**
 * A stored request keyed under today's rules, so a new normalizeRequest, secret parameter or
 * credential name applies to files recorded before it (the hook gets a copy: hooks may
 * mutate their argument). Redacted as a live request is, with no values of its own to look for.
 */
export function storedRequestKey(stored: StoredRequest, rules: KeyRules): string {
  return requestKey(storedRequestAsKeyed(stored, rules), rules.matchHeaders)
}

/** A stored request as keying sees it under today's rules (redacted, normalized). */
export function storedRequestAsKeyed(stored: StoredRequest, rules: KeyRules): StoredRequest {
  const none = { matcher: secretMatcherOf([]), found: new Set<string>(), extra: rules.secretParams }
  const request: StoredRequest = redactRequest({ ...stored, url: storedUrlToKey(stored.url, rules) }, none)
  const normalize = rules.normalizeRequest
  return normalize ? (normalize(structuredClone(request)) ?? request) : request
}

/**
 * Without userinfo and query there is nothing to take out, and the key parses the URL anyway
 * (redactUrl, requestKey): parsing it here too was one `new URL` per stored request. Only
 * without normalizeRequest: the hook sees the URL (and the endpoint derived from it) printed
 * by the WHATWG parser, as always.
 */
function storedUrlToKey(href: string, rules: KeyRules): string {
  const nothingToRemove = !href.includes('?') && !href.includes('@')
  if (nothingToRemove && !rules.normalizeRequest) return href
  return withoutCredentials(new URL(href), rules.secretParams).href
}

/** The URL (changed in place) without userinfo and credential query parameters. */
export function withoutCredentials(url: URL, secretParams: ReadonlySet<string>): URL {
  url.username = ''
  url.password = ''
  for (const name of [...url.searchParams.keys()]) {
    if (isCredentialParam(name, secretParams)) url.searchParams.delete(name)
  }
  return url
}

/** The URL without secret query parameters (the same object when it has none). */
function withoutSecretParams(live: URL, secretParams: ReadonlySet<string>): URL {
  if (live.search === '') return live
  const url = new URL(live)
  for (const name of [...url.searchParams.keys()]) {
    if (isCredentialParam(name, secretParams)) url.searchParams.delete(name)
  }
  return url
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
  let headers = '{}'
  if (matchHeaders.length > 0) {
    const picked: Record<string, string> = {}
    for (const name of matchHeaders) {
      const value = request.headers?.[name]
      if (value !== undefined) picked[name] = value
    }
    headers = stringify(picked)
  }
  const body = request.body_encoding === 'form' ? sortedPairs(request.body) : request.body
  return `${request.method.toUpperCase()} ${canonicalUrl(request.url)}\n${headers}\n${request.body_encoding ?? ''}:${stringify(body) ?? ''}`
}

/**
 * The URL as the WHATWG parser prints it, with its query sorted. URLs repeat (a test calls a
 * few endpoints, many times): each is parsed once.
 */
const canonicalUrl = remembered((href) => {
  const url = new URL(href)
  url.searchParams.sort()
  return url.href
}, 1_000)

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

/**
 * Credential query parameters of URLs written inside text: a presigned URL a server hands out
 * (`…blob.core.windows.net/c/b?sv=…&sig=…`, `…s3.amazonaws.com/k?X-Amz-Signature=…`,
 * `…storage.googleapis.com/b/o?X-Goog-Signature=…`) in a JSON body, an SSE event or a
 * `location` header. The names are the request URL's (`isCredentialParam`): one rule for every
 * URL of a recording, wherever it is written.
 */
import { isCredentialParam } from './credential-names.js'
import { REDACTED } from './placeholder.js'

/** A credential parameter's value inside a text: `text.slice(start, end)` is the value as written. */
export interface UrlParamHit {
  name: string
  start: number
  end: number
  /** Decoded once, as a server reads it. */
  value: string
}

/** An absolute URL as written, and one percent-encoded inside another URL (`next=https%3A%2F%2F…`). */
const WRITTEN_URL = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`\\]*/gi
const ENCODED_URL = /[a-z][a-z0-9+.-]*%3A%2F%2F[^\s"'<>`\\&]*/gi
/** `?name=value` and `&name=value` of a query (`&amp;name=value` in HTML). */
const QUERY_PARAM = /(\?|&(?:amp;)?)([^=&#?\s]{1,100})=([^&#\s]*)/g
/** `/name=value` and `;name=value` of a path (`/echo/api_key=…`, matrix parameters). */
const PATH_PARAM = /([/;])([^=&#?;/\s]{1,100})=([^/;?&#\s]*)/g
const ENCODED_PARAM = /(%3F|%26)([A-Za-z0-9_.~-]{1,100})%3D((?:(?!%26)[^&#\s])*)/gi
/** A whole text that is a URL reference without an origin (a relative `location`, a stored path). */
const RELATIVE_URL = /^\/[^\s"'<>`\\]*=[^\s"'<>`\\]*$/

export function credentialParamsOfUrls(text: string): UrlParamHit[] {
  const hits: UrlParamHit[] = []
  const hasUrl = text.includes('://')
  const hasEncoded = text.includes('%') && /%3A%2F%2F/i.test(text)
  if (hasUrl) for (const url of text.matchAll(WRITTEN_URL)) addWrittenHits(url[0], url.index, hits)
  if (hasEncoded)
    for (const url of text.matchAll(ENCODED_URL)) addHits(url[0], url.index, ENCODED_PARAM, hits)
  if (!hasUrl && !hasEncoded && text.charCodeAt(0) === 0x2f && RELATIVE_URL.test(text))
    addWrittenHits(text, 0, hits)
  return hits.sort((a, b) => a.start - b.start)
}

function addWrittenHits(url: string, offset: number, into: UrlParamHit[]): void {
  if (!url.includes('=')) return
  const query = url.search(/[?#]/)
  const path = query === -1 ? url : url.slice(0, query)
  addHits(path, offset, PATH_PARAM, into)
  if (query !== -1) addHits(url.slice(query), offset + query, QUERY_PARAM, into)
}

function addHits(url: string, offset: number, params: RegExp, into: UrlParamHit[]): void {
  for (const param of url.matchAll(params)) {
    const [whole, separator, name, value] = param as unknown as [string, string, string, string]
    // `+` is a space in a query only; in a path it is itself.
    const query = separator !== '/' && separator !== ';'
    if (value === '' || isPlaceholder(value) || !isCredentialParam(decoded(name, query))) continue
    const start = offset + param.index + whole.length - value.length
    into.push({ name: decoded(name, query), start, end: start + value.length, value: decoded(value, query) })
  }
}

function isPlaceholder(value: string): boolean {
  return value === REDACTED || decoded(value, false) === REDACTED
}

function decoded(text: string, query: boolean): string {
  try {
    return decodeURIComponent(query ? text.replace(/\+/g, ' ') : text)
  } catch {
    return text
  }
}

/** The text with each credential parameter's value `[redacted]`; the values go to `found`. */
export function redactUrlParams(text: string, found: Set<string>): string {
  const hits = credentialParamsOfUrls(text)
  if (hits.length === 0) return text
  let out = ''
  let from = 0
  for (const hit of hits) {
    if (hit.start < from) continue
    found.add(hit.value)
    out += `${text.slice(from, hit.start)}${REDACTED}`
    from = hit.end
  }
  return out + text.slice(from)
}

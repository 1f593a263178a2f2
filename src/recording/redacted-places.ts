/**
 * Places of a stored request where the write put `[redacted]` for a value the live request still
 * carries. The write redacts with every secret the run knows by then, the key with the request's
 * own credentials only (docs/matching.md, "Redacted places"): a value a test sent as data and only
 * later as a credential (a later request's Authorization header, a variable set afterwards) is
 * `[redacted]` on disk and raw in the live request, and CI may send a dummy of another shape there.
 * So when no key matches, a stored request with redacted places answers a live request that is the
 * same everywhere else: each `[redacted]` stands for any non-empty text at its place.
 */
import type { StoredRequest } from '../format/format.js'
import { REDACTED } from '../privacy/placeholder.js'

/**
 * True when `live` is `stored` with each `[redacted]` of `stored` standing for a non-empty run of
 * characters. The earliest occurrence of each literal piece leaves the most room for the rest, so
 * one pass decides it (no regular expression: no backtracking over long bodies).
 */
export function fitsRedacted(stored: string, live: string): boolean {
  if (stored === live) return true
  const pieces = stored.split(REDACTED)
  if (pieces.length === 1) return false
  const first = pieces[0] as string
  const last = pieces[pieces.length - 1] as string
  if (!live.startsWith(first) || !live.endsWith(last)) return false
  let at = first.length
  for (let index = 1; index < pieces.length - 1; index++) {
    const piece = pieces[index] as string
    const found = live.indexOf(piece, at + 1)
    if (found === -1) return false
    at = found + piece.length
  }
  return live.length - last.length > at
}

/**
 * The parts of a request that take part in its key, as one tree, so a `[redacted]` stands for
 * text inside one string only: method, URL (as the miss diff shows it: the write redacts a URL's
 * path and query as one text), the match headers, the body (base64 bytes as latin1 text: a
 * redacted base64 body holds `[redacted]` among its bytes).
 */
export function placesOf(request: StoredRequest, matchHeaders: readonly string[]): unknown {
  const headers: Record<string, string> = {}
  for (const name of matchHeaders) {
    const value = request.headers?.[name]
    if (value !== undefined) headers[name] = value
  }
  return {
    method: request.method.toUpperCase(),
    url: request.url,
    headers,
    encoding: request.body_encoding ?? '',
    body: comparableBody(request),
  }
}

/** The body as matching and the miss diff compare it: bytes (base64) as latin1 text. */
export function comparableBody(request: StoredRequest): unknown {
  const { body } = request
  if (request.body_encoding === 'base64' && typeof body === 'string') return latin1Of(body)
  if (request.body_encoding !== 'multipart' || !Array.isArray(body)) return body
  return body.map((part) => {
    if (typeof part?.body_base64 !== 'string') return part
    const { body_base64, ...rest } = part as Record<string, unknown>
    return { ...rest, bytes: latin1Of(body_base64 as string) }
  })
}

/** latin1 maps each byte to one character: a byte string `[redacted]` fits like text. */
function latin1Of(base64: string): string {
  return Buffer.from(base64, 'base64').toString('latin1')
}

/** True when a string of the tree holds `[redacted]`: only such stored requests are compared. */
export function hasRedactedPlace(places: unknown, depth = 0): boolean {
  if (typeof places === 'string') return places.includes(REDACTED)
  if (depth > 200 || typeof places !== 'object' || places === null) return false
  return Object.values(places).some((value) => hasRedactedPlace(value, depth + 1))
}

/** `live` has the stored tree's shape and values, each string fitting its stored one. */
export function fitsAtRedactedPlaces(stored: unknown, live: unknown, depth = 0): boolean {
  if (typeof stored === 'string') return typeof live === 'string' && fitsRedacted(stored, live)
  if (typeof stored !== 'object' || stored === null || typeof live !== 'object' || live === null)
    return Object.is(stored, live)
  if (depth > 200 || Array.isArray(stored) !== Array.isArray(live)) return false
  const storedKeys = Object.keys(stored)
  if (storedKeys.length !== Object.keys(live).length) return false
  const liveObject = live as Record<string, unknown>
  return storedKeys.every(
    (key) =>
      Object.hasOwn(liveObject, key) &&
      fitsAtRedactedPlaces((stored as Record<string, unknown>)[key], liveObject[key], depth + 1),
  )
}

/** How much of the recorded text beside a `[redacted]` locates its place in a live string. */
const CONTEXT = 3

/**
 * `live` as a miss diff may show it beside a recorded `stored` it does not fit: the text at each
 * redacted place masked too, since the run may learn only later that it was a secret. Each place
 * is found by the recorded text beside it (or, in a `live` the run's secrets masked already, by
 * the next `[redacted]`); a place whose end cannot be found masks the rest, so
 * a change elsewhere in the string costs some shown text, never the value.
 */
export function maskedLike(stored: string, live: string): string {
  const pieces = stored.split(REDACTED)
  if (pieces.length === 1) return live
  let out = ''
  let at = 0
  for (let index = 0; index < pieces.length - 1 && at < live.length; index++) {
    const left = (pieces[index] as string).slice(-CONTEXT)
    const right = (pieces[index + 1] as string).slice(0, CONTEXT)
    const found = index === 0 && pieces[0] === '' ? 0 : live.indexOf(left, at)
    const known = found === -1 ? live.indexOf(REDACTED, at) : -1
    if (known !== -1) {
      // A value the run knows by now is masked already: that is the place.
      out += live.slice(at, known + REDACTED.length)
      at = known + REDACTED.length
      continue
    }
    const from = found === -1 ? at : found + left.length
    const end = right === '' ? -1 : live.indexOf(right, from + 1)
    out += `${live.slice(at, from)}${REDACTED}`
    at = end === -1 ? live.length : end
  }
  return out + live.slice(at)
}

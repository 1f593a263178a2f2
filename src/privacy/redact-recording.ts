/**
 * A whole recording made safe before it is written: every string of both directions (URL path
 * and query, header values, bodies of every encoding, base64 bodies searched as bytes,
 * multipart parts, `test_id`, id mappings). JSON object keys and URL origins are never edited:
 * a key is structure, and an edited origin would send every replayed request nowhere.
 */
import { wholeBody } from '../format/body-codec.js'
import type {
  BodyEncoding,
  Interaction,
  RecordingFile,
  StoredRequest,
  StoredResponse,
} from '../format/format.js'
import { credentialPairValueKey, isCredentialField, isCredentialParam } from './credential-names.js'
import { addSchemeParts } from './credential-sources.js'
import { couldBeCredential, isSearchable } from './credential-values.js'
import { REDACTED } from './placeholder.js'
import { credentialsWrittenIn, redactText } from './redact-text.js'
import { redactXml } from './redact-xml.js'
import { type SecretMatcher, secretMatcherOf, utf16FormsOf } from './secret-encodings.js'
import { cookieCredential, redactSetCookie, SET_COOKIE } from './set-cookie.js'
import { redactSplitValues } from './split-secrets.js'
import { redactSplitText } from './split-text.js'
import { parsedTextData } from './text-events.js'

export interface Redaction {
  matcher: SecretMatcher
  /** Every credential found and replaced (its count is what the summary reports). */
  found: Set<string>
  /** Names the user declared credentials (`secretParams`), for every position. */
  extra?: ReadonlySet<string> | undefined
  /**
   * Strings already searched under this matcher and found clean (a stream repeats its id and
   * model in every event): searched once per file.
   */
  clean?: Set<string>
}

export function redactRecording(
  file: RecordingFile,
  values: readonly string[],
): { file: RecordingFile; found: ReadonlySet<string> } {
  // Values of credential-named fields and parameters anywhere in the file are searched for
  // everywhere else.
  const named = new Set<string>()
  for (const interaction of file.interactions) {
    collectNamedValues(interaction.request.body, false, named)
    const { response } = interaction
    collectNamedValues(response?.body, false, named)
    for (const line of [response?.headers?.[SET_COOKIE] ?? []].flat()) {
      const value = cookieCredential(line)
      if (value !== undefined) named.add(value)
    }
    credentialsWrittenIn(interaction.request.url, named)
    for (const [name, value] of Object.entries(response?.headers ?? {}))
      for (const line of [value].flat()) {
        credentialsWrittenIn(line, named)
        // A credential the server mints in a header of its own (`x-auth-token`, a session
        // token): judged by the field rule, as the same name in a body would be.
        if (name !== SET_COOKIE && isCredentialField(name, undefined, line) && couldBeCredential(line))
          addSchemeParts(line, named)
      }
    const bodies = [interaction.request.body, response && wholeBody(response.body_encoding, response.body)]
    for (const body of bodies) if (typeof body === 'string') redactXml(body, named)
  }
  const all = named.size === 0 ? values : [...values, ...[...named].filter(isSearchable)]
  const redaction: Redaction = { matcher: secretMatcherOf(all), found: new Set(), clean: new Set() }
  const interactions = file.interactions.map((interaction) => redactInteraction(interaction, redaction))
  const test_id = redactText(file.test_id, redaction.matcher, redaction.found)
  return { file: { ...file, test_id, interactions }, found: redaction.found }
}

function redactInteraction(interaction: Interaction, redaction: Redaction): Interaction {
  const { request, response } = interaction
  const mapping: Record<string, string> = {}
  for (const [real, normalized] of Object.entries(interaction.id_normalization_mapping ?? {}))
    mapping[real] = redactText(normalized, redaction.matcher, redaction.found)
  return {
    ...interaction,
    request: redactRequest(request, redaction),
    ...(response ? { response: redactResponse(response, redaction) } : {}),
    id_normalization_mapping: mapping,
  }
}

export function redactRequest(request: StoredRequest, redaction: Redaction): StoredRequest {
  const url = redactUrl(request.url, redaction)
  return {
    ...request,
    url,
    endpoint: url === request.url ? request.endpoint : new URL(url).pathname,
    headers: redactHeaders(request.headers ?? {}, redaction),
    ...(request.body === undefined
      ? {}
      : { body: redactBody(request.body_encoding, request.body, redaction) }),
  }
}

function redactResponse(response: StoredResponse, redaction: Redaction): StoredResponse {
  let body = response.body
  // Split pieces first: a first piece that matches a format alone would otherwise lose only
  // its own part, and the rest of the key would be searched for no more.
  // A JSON array is a stream's chunks too: Gemini's `streamGenerateContent` without `alt=sse`.
  if (
    response.body_encoding === 'sse' ||
    response.body_encoding === 'ndjson' ||
    (response.body_encoding === 'json' && Array.isArray(body))
  )
    body = redactSplitValues(body as unknown[], redaction)
  if (body !== undefined) body = redactBody(response.body_encoding, body, redaction)
  if (response.body_encoding === 'sse') body = redactDecodedTextData(body as unknown[], redaction)
  return {
    ...response,
    headers: redactHeaders(response.headers ?? {}, redaction),
    ...(body === undefined ? {} : { body }),
  }
}

/**
 * Text-stored events (their JSON does not print back exactly) searched decoded as well: an
 * escape (`ghp\u005f…`) hides a token from the search of the text. One with something left
 * to redact once decoded is stored parsed, redacted (docs/secrets.md); the rest keep the text
 * the search of the text left.
 */
function redactDecodedTextData(events: unknown[], redaction: Redaction): unknown[] {
  if (!Array.isArray(events)) return events
  let out: unknown[] | undefined
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as Record<string, unknown>
    const searched = parsedTextData(event)
    if (searched === undefined) continue
    const data = redactTree(searched, false, redaction, 1)
    if (data === searched) continue
    out ??= events.slice()
    out[index] = { ...event, data }
  }
  return out ?? events
}

function redactHeaders<T extends string | string[]>(
  headers: Record<string, T>,
  redaction: Redaction,
): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [name, value] of Object.entries(headers)) {
    const redact = (item: string) =>
      redactString(name === SET_COOKIE ? redactSetCookie(item, redaction.found) : item, redaction)
    out[name] = (Array.isArray(value) ? value.map(redact) : redact(value as string)) as T
  }
  return out
}

/** Path, query, fragment and the userinfo's password; never the origin. */
export function redactUrl(href: string, redaction: Redaction): string {
  if (!URL.canParse(href)) return redactText(href, redaction.matcher, redaction.found)
  const url = new URL(href)
  if (url.password !== '') {
    redaction.found.add(url.password)
    url.password = 'redacted'
  }
  const rest = `${url.pathname}${url.search}${url.hash}`
  const origin = url.href.slice(0, url.href.length - rest.length)
  const redacted = redactText(rest, redaction.matcher, redaction.found)
  if (redacted === rest) return url.href
  // A base64 form is redacted with the whole run of base64 characters around it, and `/` is
  // one: a form at the start of the path takes the path's `/` along, and `origin[redacted]`
  // would be no URL (the write then threw). The path keeps its slash.
  return `${origin}${rest.startsWith('/') && !redacted.startsWith('/') ? '/' : ''}${redacted}`
}

export function redactBody(encoding: BodyEncoding | undefined, body: unknown, redaction: Redaction): unknown {
  if ((encoding === 'text' || encoding === 'base64') && Array.isArray(body))
    return redactPieces(encoding, body as string[], redaction)
  switch (encoding) {
    case 'base64':
      return redactBase64(body as string, redaction)
    case 'form':
      return (body as [string, string][]).map(([name, value]) => [
        name,
        isNamed(name, redaction, value)
          ? maskValue(value, redaction)
          : redactText(value, redaction.matcher, redaction.found),
      ])
    case 'multipart':
      return (body as Record<string, unknown>[]).map((part) => redactPart(part, redaction))
    case 'text':
      return redactWholeText(body as string, redaction)
    default:
      return redactTree(body, false, redaction, 0)
  }
}

function redactWholeText(text: string, redaction: Redaction): string {
  // Split pieces first: a piece in plain sight would otherwise lose only its own part.
  const cut = redactSplitText(text, redaction)
  return redactTree(redactXml(cut, redaction.found, redaction.extra), false, redaction, 0) as string
}

/**
 * A stream stored as the pieces its client read: searched whole, since a credential may be cut
 * across two reads. Pieces are kept where the redacted whole still holds them; the pieces a hit
 * spans are joined into one, so what is stored is always the whole, redacted.
 */
function redactPieces(encoding: 'text' | 'base64', pieces: string[], redaction: Redaction): string[] {
  const texts =
    encoding === 'text' ? pieces : pieces.map((piece) => Buffer.from(piece, 'base64').toString('latin1'))
  const redactWith = (text: string, using: Redaction) =>
    encoding === 'text' ? redactWholeText(text, using) : redactBytes(text, using)
  const whole = texts.join('')
  const redacted = redactWith(whole, redaction)
  if (redacted === whole) return pieces
  // Pieces are searched only to find where they still stand: what they hold was counted whole.
  const scratchRedaction: Redaction = { ...redaction, found: new Set() }
  const redact = (text: string) => redactWith(text, scratchRedaction)
  const out: string[] = []
  let consumed = 0
  let group = ''
  for (const text of texts) {
    group += text
    const piece = redact(group)
    if (piece === '' || !redacted.startsWith(piece, consumed)) continue
    out.push(piece)
    consumed += piece.length
    group = ''
  }
  if (consumed < redacted.length) out.push(redacted.slice(consumed))
  return encoding === 'text' ? out : out.map((text) => Buffer.from(text, 'latin1').toString('base64'))
}

function redactPart(part: Record<string, unknown>, redaction: Redaction): Record<string, unknown> {
  const named = typeof part.name === 'string' && isNamed(part.name, redaction, part.body ?? part.body_base64)
  const out: Record<string, unknown> = { ...part }
  if (typeof part.filename === 'string')
    out.filename = redactText(part.filename, redaction.matcher, redaction.found)
  if (named) {
    if (typeof part.body === 'string') out.body = maskValue(part.body, redaction)
    if (typeof part.body_base64 === 'string') {
      redaction.found.add(part.body_base64)
      delete out.body_base64
      out.body = REDACTED
    }
    return out
  }
  if (typeof part.body === 'string')
    out.body = redactText(redactSplitText(part.body, redaction), redaction.matcher, redaction.found)
  if (typeof part.body_base64 === 'string') out.body_base64 = redactBase64(part.body_base64, redaction)
  return out
}

function isNamed(name: string, redaction: Redaction, value: unknown): boolean {
  return isCredentialParam(name, redaction.extra) || isCredentialField(name, redaction.extra, value)
}

/** A value at a credential's place: replaced whatever it is, empty too (so any key matches). */
function maskValue(value: string, redaction: Redaction): string {
  if (value === REDACTED) return value
  if (value !== '') addSchemeParts(value, redaction.found)
  return REDACTED
}

/**
 * Copy on write: a subtree without anything to redact is returned as it is (most of a body),
 * so only the path to an edited string is copied.
 */
function redactTree(value: unknown, named: boolean, redaction: Redaction, depth: number): unknown {
  if (typeof value === 'string') return named ? maskValue(value, redaction) : redactString(value, redaction)
  if (depth > 200 || typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    let out: unknown[] | undefined
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index]
      const redacted = redactTree(item, named, redaction, depth + 1)
      if (out === undefined && redacted !== item) out = value.slice(0, index)
      out?.push(redacted)
    }
    return out ?? value
  }
  const object = value as Record<string, unknown>
  const keys = Object.keys(object)
  const pairValue = named ? undefined : credentialPairValueKey(object, redaction.extra)
  let out: Record<string, unknown> | undefined
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string
    const item = object[key]
    const redacted = redactTree(
      item,
      named || key === pairValue || isCredentialField(key, redaction.extra, item),
      redaction,
      depth + 1,
    )
    if (out === undefined && redacted !== item) {
      out = {}
      for (const earlier of keys.slice(0, index)) setKey(out, earlier, object[earlier])
    }
    if (out) setKey(out, key, redacted)
  }
  return out ?? value
}

function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty: a `__proto__` key stays a key, as JSON.parse made it.
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}

/** redactText, skipping strings this file has shown clean already. */
function redactString(text: string, redaction: Redaction): string {
  const { clean } = redaction
  if (!clean || text.length < 3) return redactText(text, redaction.matcher, redaction.found)
  if (clean.has(text)) return text
  // What this one string gave up (redactText is synchronous: one scratch set serves every call).
  scratch.clear()
  const out = redactText(text, redaction.matcher, scratch)
  if (out === text && scratch.size === 0) clean.add(text)
  for (const value of scratch) redaction.found.add(value)
  return out
}

const scratch = new Set<string>()

/** Bytes searched as bytes: latin1 maps each byte to one character and back unchanged. */
function redactBase64(body: string, redaction: Redaction): string {
  const text = Buffer.from(body, 'base64').toString('latin1')
  const redacted = redactBytes(text, redaction)
  return redacted === text ? body : Buffer.from(redacted, 'latin1').toString('base64')
}

/** Bytes as latin1 text (one character a byte), searched for the values' bytes (UTF-8 and UTF-16). */
function redactBytes(text: string, redaction: Redaction): string {
  const byteMatcher = secretMatcherOf(
    redaction.matcher.values.map((value) => Buffer.from(value).toString('latin1')),
  )
  let out = redactText(text, byteMatcher, redaction.found)
  if (!out.includes('\0')) return out
  for (const value of redaction.matcher.values)
    for (const { form, replacement } of utf16FormsOf(value)) {
      if (!out.includes(form)) continue
      redaction.found.add(value)
      out = out.split(form).join(replacement)
    }
  return out
}

function collectNamedValues(value: unknown, named: boolean, into: Set<string>, depth = 0): void {
  if (typeof value === 'string') {
    // `"Authorization": "Bearer …"`: the token travels on its own too.
    if (named && value !== REDACTED) addSchemeParts(value, into)
    // A presigned URL's signature, a `.env` line's key: searched for elsewhere too.
    else if (!named) credentialsWrittenIn(value, into)
    return
  }
  if (depth > 200 || typeof value !== 'object' || value === null) return
  if (Array.isArray(value)) {
    // Form pairs: [name, value].
    if (value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && depth > 0) {
      if (isCredentialParam(value[0]) || isCredentialField(value[0], undefined, value[1]))
        collectNamedValues(value[1], true, into)
      return
    }
    for (const item of value) collectNamedValues(item, named, into, depth + 1)
    return
  }
  const part = value as Record<string, unknown>
  const partNamed =
    typeof part.name === 'string' && 'body' in part && isCredentialField(part.name, undefined, part.body)
  const pairValue = named ? undefined : credentialPairValueKey(part)
  for (const key of Object.keys(part))
    collectNamedValues(
      part[key],
      named ||
        key === pairValue ||
        isCredentialField(key, undefined, part[key]) ||
        (partNamed && key === 'body'),
      into,
      depth + 1,
    )
}

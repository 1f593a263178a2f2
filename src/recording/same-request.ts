/**
 * Two ways to know, without keying them, that a live request and a stored one have one key
 * (request-key.ts): compared field by field in stored form, or compared as the caller sent it.
 * Replay tries them on the next unused entry (entry-picker.ts); both answer "no" whenever they
 * cannot be sure, and keying decides then. test/core/ordered-match.test.ts holds them to it.
 */
import { encodesAsJson } from '../format/body-codec.js'
import type { StoredRequest } from '../format/format.js'
import { type SecretMatcher, secretMatcherOf } from '../privacy/secret-encodings.js'
import { remembered } from '../remembered.js'
import type { KeyRules } from './request-key.js'

/**
 * True when a stored request is, field for field, the stored form of a live request (`live`,
 * made by storedRequestOf): then the two have one key without either being keyed, since a key
 * is a function of these fields, and a stored request is keyed after being redacted again,
 * which changes nothing in a form that is redacted already (test/core/ordered-match.test.ts
 * generates both to hold it to that). Only without normalizeRequest, whose function may map
 * different requests to one. Bodies are compared as JSON values: key order does not count, as
 * in the key.
 */
export function sameStoredRequest(
  live: StoredRequest,
  stored: StoredRequest,
  matchHeaders: readonly string[],
): boolean {
  if (live.url !== stored.url || live.method !== stored.method.toUpperCase()) return false
  if ((live.body_encoding ?? '') !== (stored.body_encoding ?? '')) return false
  for (const name of matchHeaders) if (live.headers?.[name] !== stored.headers?.[name]) return false
  return sameJson(live.body, stored.body)
}

/** A request body as the caller sent it: text (what fetch passes for a JSON body). */
export interface SentText {
  method: string
  url: URL
  contentType: string | undefined
  text: string
}

/**
 * True when a stored JSON request is provably the request sent, without parsing or redacting
 * it: the text is exactly the stored body printed compactly (what every JSON client sends),
 * so both parse to one value; URL and method are the same strings; and no credential the
 * request carries appears in the text or the URL, so redacting either side does the same to
 * both. Then the two keys are equal (test/core/ordered-match.test.ts). Not put in stored
 * form, the request lends the run no credentials found in it by name for later writes: a
 * request matched here has none, since its stored twin would hold `[redacted]` in their place
 * (only a file edited by hand to hold a credential can match one, and that file holds it already).
 */
export function sameAsSent(
  sent: SentText,
  stored: StoredRequest,
  rules: KeyRules,
  carried: readonly string[],
): boolean {
  if (rules.normalizeRequest || rules.matchHeaders.length > 0 || stored.body_encoding !== 'json') return false
  if (sent.url.href !== stored.url || sent.url.username !== '' || sent.url.password !== '') return false
  if (sent.method !== stored.method.toUpperCase() || !isJsonType(sent.contentType ?? '')) return false
  if (sent.text !== compactJsonOf(stored)) return false
  const matcher = secretMatcherOf(carried)
  return matcher.empty || (!carries(matcher, sent.text) && !carries(matcher, stored.url))
}

/** A handful of content types recur on every request: each judged once (three patterns). */
const isJsonType = remembered(encodesAsJson, 100)

function carries(matcher: SecretMatcher, text: string): boolean {
  return matcher.redact(text, new Set()) !== text
}

const compactJson = new WeakMap<StoredRequest, string | undefined>()

/** Printed once per stored request (a file's entries are compared in order, once each). */
function compactJsonOf(stored: StoredRequest): string | undefined {
  if (compactJson.has(stored)) return compactJson.get(stored)
  const text = JSON.stringify(stored.body)
  compactJson.set(stored, text)
  return text
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false
    if (!sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false
  }
  return true
}

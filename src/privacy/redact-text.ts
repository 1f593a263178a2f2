/**
 * One string of a recording made safe: known token formats, the credential values of this run
 * in any encoding, credential query parameters of URLs written in it (a presigned URL), and
 * credential-named fields of JSON or form text inside the string (a JSON body sent as
 * `text/plain`, an SSE event kept as text).
 */
import { credentialPairValueKey, isCredentialField, isCredentialVariable } from './credential-names.js'
import { REDACTED } from './placeholder.js'
import type { SecretMatcher } from './secret-encodings.js'
import { findTokens } from './token-formats.js'
import { credentialParamsOfUrls, redactUrlParams } from './url-params.js'

export function redactText(text: string, matcher: SecretMatcher, found: Set<string>): string {
  if (text.length < 3) return text
  let out = redactTokens(text, found)
  out = matcher.redact(out, found)
  out = redactUrlParams(out, found)
  out = redactNamedValuesOfJsonText(out, found)
  if (out.includes('"') || out.includes('=')) out = redactNamedFieldsInText(out, found)
  return out
}

/**
 * JSON text (a body sent as `text/plain`, an event kept as text): values under credential
 * names at any depth (`"api_keys": ["…"]`) are found in the parsed text and replaced where they
 * stand as string literals, so every other byte of the text stays as it was.
 */
function redactNamedValuesOfJsonText(text: string, found: Set<string>): string {
  const first = text.charCodeAt(0)
  if ((first !== 0x7b && first !== 0x5b) || text.length > 1_000_000) return text
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return text
  }
  let out = text
  for (const value of namedValuesOf(parsed, false, 0)) {
    const literal = JSON.stringify(value)
    if (value === '' || value === REDACTED || !out.includes(literal)) continue
    found.add(value)
    out = out.split(literal).join(JSON.stringify(REDACTED))
  }
  return out
}

function namedValuesOf(value: unknown, named: boolean, depth: number): string[] {
  if (typeof value === 'string') return named ? [value] : []
  if (depth > 64 || typeof value !== 'object' || value === null) return []
  if (Array.isArray(value)) return value.flatMap((item) => namedValuesOf(item, named, depth + 1))
  const pairValue = named ? undefined : credentialPairValueKey(value as Record<string, unknown>)
  return Object.entries(value).flatMap(([key, item]) =>
    namedValuesOf(item, named || key === pairValue || isCredentialField(key, undefined, item), depth + 1),
  )
}

export function redactTokens(text: string, found: Set<string>): string {
  const hits = findTokens(text)
  if (hits.length === 0) return text
  let out = ''
  let from = 0
  for (const hit of hits) {
    found.add(text.slice(hit.start, hit.end))
    out += `${text.slice(from, hit.start)}${REDACTED}`
    from = hit.end
  }
  return out + text.slice(from)
}

/** `"client_secret": "…"` in JSON text, `password=…` in form or query text. */
const JSON_FIELD = /"((?:[^"\\]|\\.){1,80})"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g
const FORM_FIELD = /(^|[?&;\s])([A-Za-z0-9_.-]{1,80})=([^&;\s#"]+)/g

/**
 * `TOKEN=…` on a line of its own (an uploaded `.env`, a shell snippet): a variable written out,
 * judged as the environment's are (isCredentialVariable).
 */
const VARIABLE_LINE =
  /(^|\n)([ \t]*(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_]{0,80})([ \t]*=[ \t]*)(["']?)([^\s"'#]+)\5(?=[ \t]*(?:\r?\n|\r|$))/g

function redactVariableLines(text: string, found: Set<string>): string {
  return text.replace(
    VARIABLE_LINE,
    (whole, start: string, indent: string, name: string, equals: string, quote: string, value: string) => {
      if (!isCredentialVariable(name, value)) return whole
      found.add(value)
      return `${start}${indent}${name}${equals}${quote}${REDACTED}${quote}`
    },
  )
}

/**
 * The credentials a text writes out by name where a URL or a variable is written (a presigned
 * URL's signature, a `.env` line): searched for in the rest of the file too.
 */
export function credentialsWrittenIn(text: string, into: Set<string>): void {
  if (!text.includes('=') && !text.includes('%3D') && !text.includes('%3d')) return
  for (const hit of credentialParamsOfUrls(text)) into.add(hit.value)
  redactVariableLines(text, into)
}

function redactNamedFieldsInText(text: string, found: Set<string>): string {
  return redactVariableLines(text, found)
    .replace(JSON_FIELD, (whole, name: string, colon: string, value: string) => {
      if (value === '' || value === REDACTED || !isCredentialField(name, undefined, value)) return whole
      found.add(value)
      return `"${name}"${colon}"${REDACTED}"`
    })
    .replace(FORM_FIELD, (whole, before: string, name: string, value: string) => {
      if (
        value === REDACTED ||
        value === encodeURIComponent(REDACTED) ||
        !isCredentialField(name, undefined, value)
      )
        return whole
      found.add(value)
      return `${before}${name}=${REDACTED}`
    })
}

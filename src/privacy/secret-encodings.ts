/**
 * One credential value in every form it can take in a recording: as written, JSON-escaped
 * (`\u002d`, `\/`), percent-encoded (`%2D`, `+` for a space), any mix of those, base64 and
 * base64url at each of the three byte alignments, and hex; in bytes also UTF-16 (LE and BE).
 * Compiled once per set of values.
 */
import { REDACTED } from './placeholder.js'

/** Below this a value may be part of a longer word by chance: it must stand on its own. */
const STANDALONE_BELOW = 16
const BASE64_RUN = /[A-Za-z0-9+/_-]/
const MIN_CORE = 8

export class SecretMatcher {
  private readonly written: RegExp | undefined
  /**
   * The longest run of letters and digits of each value: every written form keeps it as is
   * (neither JSON nor percent-encoding escapes them), so a string without any of them is
   * skipped with a few indexOf calls.
   */
  private readonly probes: string[] | undefined
  /** Literal base64 / base64url / hex forms, each with the value it encodes. */
  private readonly literals: { form: string; value: string; wholeRun: boolean }[] = []

  constructor(readonly values: readonly string[]) {
    const ordered = [...new Set(values)]
      .filter((value) => value.length > 0)
      .sort((a, b) => b.length - a.length)
    this.written =
      ordered.length === 0
        ? undefined
        : new RegExp(ordered.map((value) => `(${writtenFormsOf(value)})`).join('|'), 'g')
    this.values = ordered
    const probes = ordered.map(longestAlphanumericRun)
    this.probes = probes.every((probe) => probe.length >= 4) ? probes : undefined
    for (const value of ordered) {
      const bytes = Buffer.from(value)
      for (const form of base64Cores(bytes)) this.literals.push({ form, value, wholeRun: true })
      for (const form of new Set([bytes.toString('hex'), bytes.toString('hex').toUpperCase()]))
        this.literals.push({ form, value, wholeRun: false })
    }
  }

  get empty(): boolean {
    return this.written === undefined
  }

  /** The text with every form of every value replaced; what was found is added to `found`. */
  redact(text: string, found: Set<string>): string {
    if (this.written === undefined || text.length === 0) return text
    let out = text
    if (!this.probes || this.probes.some((probe) => text.includes(probe)))
      out = text.replace(this.written, (...match) => {
        const group = match.findIndex((part, index) => index > 0 && typeof part === 'string' && part !== '')
        found.add(this.values[group - 1] as string)
        return REDACTED
      })
    for (const { form, value, wholeRun } of this.literals) {
      if (!out.includes(form)) continue
      found.add(value)
      out = wholeRun ? replaceRunsAround(out, form) : out.split(form).join(REDACTED)
    }
    return out
  }
}

/**
 * A value's UTF-16 bytes, little- and big-endian, as latin1 text (one character a byte), each
 * with what replaces it: `[redacted]` in the same encoding, so the text still decodes. Searched
 * in bytes only (a UTF-16 text is stored as bytes: its NULs make it binary).
 */
export function utf16FormsOf(value: string): { form: string; replacement: string }[] {
  const little = (text: string) => Buffer.from(text, 'utf16le')
  const big = (text: string) => little(text).swap16()
  return [little, big].map((encode) => ({
    form: encode(value).toString('latin1'),
    replacement: encode(REDACTED).toString('latin1'),
  }))
}

const matchers = new Map<string, SecretMatcher>()

/** The matcher of a set of values (the same list recurs on every write of a run). */
export function secretMatcherOf(values: readonly string[]): SecretMatcher {
  const id = values.join('\0')
  let matcher = matchers.get(id)
  if (!matcher) {
    if (matchers.size >= 64) matchers.clear()
    matcher = new SecretMatcher(values)
    matchers.set(id, matcher)
  }
  return matcher
}

/** A regex source matching the value with any of its characters written escaped or encoded. */
function writtenFormsOf(value: string): string {
  let source = ''
  for (const char of value) {
    const code = char.codePointAt(0) as number
    const forms = [escapeRegex(char)]
    if (/[A-Za-z0-9]/.test(char)) {
      source += char
      continue
    }
    if (code < 0x80) {
      const hex = code.toString(16).padStart(2, '0')
      forms.push(String.raw`\\u00${caseless(hex)}`, `%${caseless(hex)}`, String.raw`\\${escapeRegex(char)}`)
      if (char === ' ') forms.push(String.raw`\+`)
    } else {
      for (const unit of char.split(''))
        forms.push(String.raw`\\u${caseless(unit.charCodeAt(0).toString(16).padStart(4, '0'))}`)
      forms.push(
        [...Buffer.from(char)].map((byte) => `%${caseless(byte.toString(16).padStart(2, '0'))}`).join(''),
      )
    }
    source += forms.length === 1 ? forms[0] : `(?:${forms.join('|')})`
  }
  if (value.length >= STANDALONE_BELOW) return source
  return `(?<![A-Za-z0-9])${source}(?![A-Za-z0-9])`
}

function longestAlphanumericRun(value: string): string {
  return (value.match(/[A-Za-z0-9]+/g) ?? ['']).reduce((a, b) => (b.length > a.length ? b : a))
}

function caseless(hex: string): string {
  return hex.replace(/[a-f]/g, (digit) => `[${digit}${digit.toUpperCase()}]`)
}

export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

/**
 * The characters of the value's base64 that depend on its bytes alone, for each alignment the
 * value can start at inside a longer encoded blob (and the same in base64url).
 */
function base64Cores(bytes: Buffer): string[] {
  const cores = new Set<string>()
  for (let shift = 0; shift < 3; shift++) {
    const aligned = bytes.subarray((3 - shift) % 3)
    const whole = aligned.subarray(0, aligned.length - (aligned.length % 3))
    const core = whole.toString('base64')
    if (core.length < MIN_CORE) continue
    cores.add(core)
    cores.add(whole.toString('base64url'))
  }
  return [...cores]
}

/** A blob that encodes a secret is replaced whole: what surrounds it inside is unknowable. */
function replaceRunsAround(text: string, form: string): string {
  let out = ''
  let from = 0
  for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, from)) {
    let start = at
    while (start > from && BASE64_RUN.test(text[start - 1] as string)) start--
    let end = at + form.length
    while (end < text.length && (BASE64_RUN.test(text[end] as string) || text[end] === '=')) end++
    out += `${text.slice(from, start)}${REDACTED}`
    from = end
  }
  return out + text.slice(from)
}

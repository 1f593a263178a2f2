/**
 * The rule for insignificant wire differences (docs/format.md): readable storage wins, and the
 * replayed bytes may differ from the recorded ones only where no parser can tell. JSON that
 * differs from its compact re-serialization in whitespace alone (`{"a": 1}`, pretty-printed
 * with any indent) is stored parsed. Anything a parser could tell apart — number spelling
 * (`1.0`), escapes (`\u00e9`), key order JSON.parse would change (`{"2":…,"1":…}`), duplicate
 * keys, integers beyond 2^53 — keeps its exact text.
 */

export type JsonParse = { ok: true; value: unknown } | { ok: false }

export function tryParseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

/** A parse that also hands back the compact text the value prints as. */
export type CompactParse = { ok: true; value: unknown; compact: string } | { ok: false }

/** The parsed value when printing it back changes nothing but whitespace between tokens. */
export function parseJsonUpToWhitespace(text: string): CompactParse {
  const parsed = tryParseJson(text)
  return parsed.ok ? printedUpToWhitespace(text, parsed.value) : parsed
}

function printedUpToWhitespace(text: string, value: unknown): CompactParse {
  const compact = JSON.stringify(value)
  if (compact !== text && compact !== withoutWhitespaceBetweenTokens(text)) return { ok: false }
  return { ok: true, value, compact }
}

/**
 * `texts.map(parseJsonUpToWhitespace)` for the elements of a streamed body (SSE data, NDJSON
 * lines). Each text is parsed alone (one that is not JSON
 * fails alone), and the values that parsed are printed together, once: when that prints as their
 * texts joined (`[t1,t2,…]`), each one prints as its own text (see below), so a stream that came
 * compact, as most do, needs one `JSON.stringify` instead of one per element. Otherwise each is
 * checked alone, as before; a stream whose first element came with spaces is checked alone
 * from the start.
 *
 * Why the joined comparison proves each: were the two partitions of the equal joined strings to
 * differ, the first text that differs in length from its printed value would start where it
 * starts and one of the two would be a proper prefix of the other, followed by `,` or `]` (what
 * follows each in the joined strings): a whole JSON value followed by a comma or a bracket, which
 * no text that parsed alone is and no print makes. Whitespace is no way out: a print has none
 * outside strings, so a text with some at either end differs from it there.
 */
export function parseJsonElementsUpToWhitespace(texts: readonly string[]): CompactParse[] {
  const first = texts.length > 0 ? parseJsonUpToWhitespace(texts[0] as string) : undefined
  if (first === undefined || !first.ok || first.compact !== texts[0])
    return texts.map((text, index) => (index === 0 ? (first as CompactParse) : parseJsonUpToWhitespace(text)))
  const results: CompactParse[] = [first]
  const values: unknown[] = [first.value]
  const parsedTexts: string[] = [first.compact]
  for (let index = 1; index < texts.length; index++) {
    const text = texts[index] as string
    const parsed = tryParseJson(text)
    results.push(parsed.ok ? { ok: true, value: parsed.value, compact: text } : parsed)
    if (!parsed.ok) continue
    values.push(parsed.value)
    parsedTexts.push(text)
  }
  if (JSON.stringify(values) === `[${parsedTexts.join(',')}]`) return results
  for (let index = 1; index < texts.length; index++) {
    const result = results[index] as CompactParse
    if (result.ok) results[index] = printedUpToWhitespace(texts[index] as string, result.value)
  }
  return results
}

/**
 * The one-line texts of a streamed body's elements (its SSE events, its NDJSON lines) as they
 * were printed while checking them, kept by the body array. A stored body is never edited in
 * place (redaction copies on write), so an array found here still prints as these lines: one
 * entry per body, not per element (a weak key per event cost the collector more than printing
 * the event again).
 */
const printedLines = new WeakMap<readonly unknown[], readonly string[]>()

export function rememberPrintedLines(body: readonly unknown[], lines: readonly string[]): void {
  printedLines.set(body, lines)
}

/** `body.map((item) => JSON.stringify(item))`, from memory when the body was parsed here. */
export function printLines(body: readonly unknown[]): readonly (string | undefined)[] {
  return printedLines.get(body) ?? body.map((item) => JSON.stringify(item))
}

function withoutWhitespaceBetweenTokens(text: string): string {
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (inString) {
      out += char
      if (char === '\\') out += text[++i] ?? ''
      else if (char === '"') inString = false
    } else if (char === '"') {
      inString = true
      out += char
    } else if (char !== ' ' && char !== '\n' && char !== '\r' && char !== '\t') {
      out += char
    }
  }
  return out
}

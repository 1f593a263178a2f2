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
  if (!parsed.ok) return parsed
  const compact = JSON.stringify(parsed.value)
  if (compact !== text && compact !== withoutWhitespaceBetweenTokens(text)) return { ok: false }
  return { ok: true, value: parsed.value, compact }
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

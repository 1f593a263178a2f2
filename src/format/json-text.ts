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

/** The parsed value when printing it back changes nothing but whitespace between tokens. */
export function parseJsonUpToWhitespace(text: string): JsonParse {
  const parsed = tryParseJson(text)
  if (!parsed.ok) return parsed
  const compact = JSON.stringify(parsed.value)
  if (compact !== text && compact !== withoutWhitespaceBetweenTokens(text)) return { ok: false }
  if (typeof parsed.value === 'object' && parsed.value !== null) compactTexts.set(parsed.value, compact)
  return parsed
}

/**
 * The compact text of every object parsed above, printed once already by the check. Stored
 * bodies are never edited in place (redaction copies on write), so an object found here still
 * prints as this text: printing a recording's events looks it up instead of printing again.
 */
const compactTexts = new WeakMap<object, string>()

/**
 * `JSON.stringify(value)`, from memory for objects parsed by parseJsonUpToWhitespace and for
 * plain objects of their values (an SSE event: its fields and its parsed `data`).
 */
export function printCompact(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value)
  const known = compactTexts.get(value)
  if (known !== undefined || Array.isArray(value)) return known ?? JSON.stringify(value)
  let out = ''
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key]
    const text = typeof item === 'object' && item !== null ? compactTexts.get(item) : undefined
    const printed = text ?? JSON.stringify(item)
    if (printed !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${printed}`
  }
  return `{${out}}`
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

/**
 * A streamed body stored as one text (docs/format.md: NDJSON with a line that does not print
 * back, a stream under a content type that names none, SSE cut short or malformed, a request
 * body) read back into its records, the way split-secrets.ts reads stored events: one tree per
 * record whose strings are the ones a client decodes. Each string remembers where its literal
 * stands in the text, so a cut edits those characters and no other (replay stays faithful).
 *
 * A record is one line, or the whole text when it is one JSON document (the elements of a
 * top-level array are records: Gemini streams a JSON array). A line is JSON (`{"message":…}`),
 * an SSE field (`data: {…}`, `event: x`), a tagged JSON value (`0:"text"`, the Vercel AI SDK's
 * data stream), or plain text; each tree is `{ [what]: value }`, so records of one kind share
 * their places and plain lines join one another (a key split by line breaks).
 */
import { tryParseJson } from '../format/json-text.js'

/** Where a string stands in the text: its characters between the quotes (or the plain line). */
export interface Literal {
  start: number
  end: number
  /** Escapes inside: decoded offsets differ from the text's. */
  escaped: boolean
}

export interface TextRecords {
  records: unknown[]
  /** The literal of each string, by the object or array holding it and its key there. */
  literals: WeakMap<object, Map<string | number, Literal>>
}

const SSE_FIELD = /^(data|event|id|retry|):[ ]?/
const TAGGED = /^([0-9a-z]):/
const SCALAR = /-?[0-9.eE+-]+|true|false|null/y
/** Beyond the depth split-secrets.ts collects strings at (50). */
const MAX_DEPTH = 60

export function textRecordsOf(text: string): TextRecords {
  const literals = new WeakMap<object, Map<string | number, Literal>>()
  const whole = wholeJsonOf(text, literals)
  if (whole) return { records: whole, literals }
  const records: unknown[] = []
  let start = 0
  while (start < text.length) {
    const newline = text.indexOf('\n', start)
    const next = newline === -1 ? text.length : newline + 1
    let end = newline === -1 ? text.length : newline
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--
    if (end > start) records.push(lineRecord(text, start, end, literals))
    start = next
  }
  return { records, literals }
}

function wholeJsonOf(text: string, literals: TextRecords['literals']): unknown[] | undefined {
  const first = text.trimStart().charCodeAt(0)
  if ((first !== 0x7b && first !== 0x5b) || !tryParseJson(text).ok) return undefined
  const holder: Record<string, unknown> = {}
  const value = new LiteralReader(text, literals).valueAt(skipSpace(text, 0), holder, 'json')
  return Array.isArray(value) ? value : [holder]
}

function lineRecord(text: string, start: number, end: number, literals: TextRecords['literals']): unknown {
  const line = text.slice(start, end)
  const record: Record<string, unknown> = {}
  if (isJsonValue(line)) {
    new LiteralReader(text, literals).valueAt(start, record, 'json')
    return record
  }
  const sse = SSE_FIELD.exec(line)
  const tagged = sse ? null : TAGGED.exec(line)
  const field = sse ?? tagged
  const rest = field ? line.slice(field[0].length) : line
  const name = field ? field[1] || 'comment' : 'text'
  if (field && isJsonValue(rest))
    new LiteralReader(text, literals).valueAt(start + field[0].length, record, name)
  // A tag (`0:`) before anything but JSON is plain text, as the line would be without it.
  else if (sse) plain(record, name, rest, start + sse[0].length, literals)
  else plain(record, 'text', line, start, literals)
  return record
}

/** An object, array or string that parses: other values hold no string to cut. */
function isJsonValue(text: string): boolean {
  const first = text.charCodeAt(0)
  return (first === 0x7b || first === 0x5b || first === 0x22) && tryParseJson(text).ok
}

function plain(
  record: Record<string, unknown>,
  name: string,
  value: string,
  start: number,
  literals: TextRecords['literals'],
): void {
  record[name] = value
  literals.set(record, new Map([[name, { start, end: start + value.length, escaped: false }]]))
}

function skipSpace(text: string, at: number): number {
  let position = at
  while (position < text.length && /\s/.test(text[position] as string)) position++
  return position
}

/**
 * Reads JSON already known to parse, building the value JSON.parse gives (a later duplicate
 * key wins, `__proto__` stays a key) and noting each string's literal.
 */
class LiteralReader {
  private at = 0
  constructor(
    private readonly text: string,
    private readonly literals: TextRecords['literals'],
  ) {}

  valueAt(start: number, holder: object, key: string | number): unknown {
    this.at = start
    const value = this.value(holder, key)
    setKey(holder, key, value)
    return value
  }

  private value(holder: object, key: string | number, depth = 0): unknown {
    this.at = skipSpace(this.text, this.at)
    const char = this.text[this.at]
    // Deeper than split-secrets.ts looks for strings: stepped over, without recursion.
    if (depth > MAX_DEPTH && (char === '{' || char === '[')) return this.skipNested()
    if (char === '{') return this.object(depth)
    if (char === '[') return this.array(depth)
    if (char === '"') {
      const { value, literal } = this.string()
      const byKey = this.literals.get(holder) ?? new Map<string | number, Literal>()
      this.literals.set(holder, byKey)
      byKey.set(key, literal)
      return value
    }
    SCALAR.lastIndex = this.at
    const match = SCALAR.exec(this.text) as RegExpExecArray
    this.at += match[0].length
    return JSON.parse(match[0])
  }

  private object(depth: number): Record<string, unknown> {
    const object: Record<string, unknown> = {}
    this.at++
    while (true) {
      this.at = skipSpace(this.text, this.at)
      if (this.text[this.at] === '}') break
      if (this.text[this.at] === ',') this.at = skipSpace(this.text, this.at + 1)
      const name = this.string().value
      this.at = skipSpace(this.text, this.at) + 1 // the colon
      setKey(object, name, this.value(object, name, depth + 1))
    }
    this.at++
    return object
  }

  private array(depth: number): unknown[] {
    const array: unknown[] = []
    this.at++
    while (true) {
      this.at = skipSpace(this.text, this.at)
      if (this.text[this.at] === ']') break
      if (this.text[this.at] === ',') this.at++
      array.push(this.value(array, array.length, depth + 1))
    }
    this.at++
    return array
  }

  private skipNested(): null {
    let open = 0
    do {
      const char = this.text[this.at]
      if (char === '"') {
        this.string()
        continue
      }
      if (char === '{' || char === '[') open++
      else if (char === '}' || char === ']') open--
      this.at++
    } while (open > 0)
    return null
  }

  private string(): { value: string; literal: Literal } {
    const open = this.at
    let close = open + 1
    let escaped = false
    while (this.text[close] !== '"') {
      if (this.text[close] === '\\') {
        escaped = true
        close++
      }
      close++
    }
    this.at = close + 1
    const literal = { start: open + 1, end: close, escaped }
    const raw = this.text.slice(open + 1, close)
    return { value: escaped ? (JSON.parse(`"${raw}"`) as string) : raw, literal }
  }
}

function setKey(holder: object, key: string | number, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(holder, key, { value, enumerable: true, writable: true, configurable: true })
  else (holder as Record<string | number, unknown>)[key] = value
}

/** The offset in the text of a literal's decoded character `index` (its length: the end). */
export function textOffsetOf(text: string, literal: Literal, index: number): number {
  if (!literal.escaped) return literal.start + index
  let at = literal.start
  for (let decoded = 0; decoded < index && at < literal.end; decoded++) {
    if (text.charCodeAt(at) !== 0x5c) at++
    else at += text[at + 1] === 'u' ? 6 : 2
  }
  return at
}

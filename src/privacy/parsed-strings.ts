/**
 * A recording file as a secret scanner must read it: not only its raw text (where `\u002d`
 * and base64 hide a key from a plain pattern) but every string literal JSON-unescaped, base64
 * strings decoded, and JSON text inside a string (a body sent as `text/plain`) parsed again.
 * Each view keeps where it came from, so a finding names the file's line and column.
 */

export interface TextView {
  text: string
  /** Offset in the file of the view's first character (of its string literal, when decoded). */
  offset: number
  /** True when `text` is the file's own bytes from `offset` on: positions inside it are exact. */
  exact: boolean
  how: 'raw' | 'unescaped' | 'base64' | 'UTF-16' | 'nested JSON'
}

const STRING_LITERAL = /"(?:[^"\\\n]|\\.)*"/g
const BASE64 = /^[A-Za-z0-9+/_-]{16,}={0,2}$/

export function viewsOf(fileText: string): TextView[] {
  const views: TextView[] = [{ text: fileText, offset: 0, exact: true, how: 'raw' }]
  for (const literal of fileText.matchAll(STRING_LITERAL)) {
    const raw = literal[0]
    let value: string
    try {
      value = JSON.parse(raw) as string
    } catch {
      continue
    }
    const offset = literal.index
    if (value !== raw.slice(1, -1)) views.push({ text: value, offset, exact: false, how: 'unescaped' })
    // A URL without an origin (a relative `location`) is a URL only as a string of its own.
    else if (value.startsWith('/') && value.includes('='))
      views.push({ text: value, offset: offset + 1, exact: true, how: 'raw' })
    addDecodedViews(value, offset, views, 0)
  }
  return views
}

function addDecodedViews(value: string, offset: number, views: TextView[], depth: number): void {
  if (depth > 3) return
  if (BASE64.test(value) && value.length % 4 !== 1) {
    const bytes = Buffer.from(value, /[-_]/.test(value) ? 'base64url' : 'base64')
    views.push({ text: bytes.toString('latin1'), offset, exact: false, how: 'base64' })
    if (bytes.includes(0) && bytes.length >= 16) addUtf16Views(bytes, offset, views)
  }
  const first = value.trimStart()[0]
  if (first !== '{' && first !== '[') return
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return
  }
  for (const leaf of leafStrings(parsed)) {
    views.push({ text: leaf, offset, exact: false, how: 'nested JSON' })
    addDecodedViews(leaf, offset, views, depth + 1)
  }
}

/** NULs between characters: UTF-16 text, read in both byte orders from either byte on. */
function addUtf16Views(bytes: Buffer, offset: number, views: TextView[]): void {
  for (const skip of [0, 1]) {
    const aligned = bytes.subarray(skip, bytes.length - ((bytes.length - skip) % 2))
    views.push({ text: aligned.toString('utf16le'), offset, exact: false, how: 'UTF-16' })
    views.push({
      text: Buffer.from(aligned).swap16().toString('utf16le'),
      offset,
      exact: false,
      how: 'UTF-16',
    })
  }
}

function leafStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') out.push(value)
  else if (depth < 64 && typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) {
      if (!Array.isArray(value)) out.push(key)
      leafStrings(item, out, depth + 1)
    }
  return out
}

/** 1-based line and column of an offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    line++
    lineStart = at + 1
  }
  return { line, column: offset - lineStart + 1 }
}

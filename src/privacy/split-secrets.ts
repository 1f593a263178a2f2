/**
 * A credential split across the events of a stream (`"sk-pr"` in one delta, `"oj-…"` in the
 * next): no event holds it, the text the client assembles does. The strings at one place of
 * every event (`choices[0].delta.content`) are joined in order and searched; each piece of a
 * hit loses its part, the first one showing the placeholder, so the assembled text reads
 * `[redacted]` where the key was, exactly as an unsplit key does.
 */
import { REDACTED } from './placeholder.js'
import type { Redaction } from './redact-recording.js'
import { findTokens } from './token-formats.js'

interface Piece {
  holder: Record<string, unknown> | unknown[]
  key: string | number
  text: string
}

export function redactSplitValues(
  events: unknown[] | undefined,
  redaction: Redaction,
): unknown[] | undefined {
  if (!Array.isArray(events) || events.length < 2) return events
  const places = new Map<string, Piece[]>()
  for (const [index, event] of events.entries()) collectPieces(event, '', places, events, index)
  for (const pieces of places.values()) {
    if (pieces.length < 2) continue
    const joined = pieces.map((piece) => piece.text).join('')
    // From the end: cutting a later span leaves the offsets of earlier ones as they were.
    let limit = Number.POSITIVE_INFINITY
    for (const [start, end] of spansOf(joined, redaction).sort((a, b) => b[0] - a[0])) {
      if (end > limit) continue
      cutSpan(pieces, start, end)
      limit = start
    }
  }
  return events
}

function spansOf(joined: string, redaction: Redaction): [number, number][] {
  const spans: [number, number][] = findTokens(joined).map((hit) => [hit.start, hit.end])
  for (const value of redaction.matcher.values) {
    for (let at = joined.indexOf(value); at !== -1; at = joined.indexOf(value, at + value.length)) {
      spans.push([at, at + value.length])
      redaction.found.add(value)
    }
  }
  return spans
}

/** Leaves only: strings at the same path of each event form one sequence. */
function collectPieces(
  value: unknown,
  path: string,
  places: Map<string, Piece[]>,
  holder: Record<string, unknown> | unknown[],
  key: string | number,
  depth = 0,
): void {
  if (typeof value === 'string') {
    const pieces = places.get(path)
    const piece = { holder, key, text: value }
    if (pieces) pieces.push(piece)
    else places.set(path, [piece])
    return
  }
  if (depth > 50 || typeof value !== 'object' || value === null) return
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries())
      collectPieces(item, `${path}[${index}]`, places, value, index, depth + 1)
    return
  }
  for (const [name, item] of Object.entries(value))
    collectPieces(item, `${path}.${name}`, places, value as Record<string, unknown>, name, depth + 1)
}

function cutSpan(pieces: Piece[], start: number, end: number): void {
  let offset = 0
  let first = true
  for (const piece of pieces) {
    const from = Math.max(start, offset)
    const to = Math.min(end, offset + piece.text.length)
    const length = piece.text.length
    if (from < to) {
      const local = piece.text
      piece.text = `${local.slice(0, from - offset)}${first ? REDACTED : ''}${local.slice(to - offset)}`
      ;(piece.holder as Record<string | number, unknown>)[piece.key] = piece.text
      first = false
    }
    offset += length
  }
}

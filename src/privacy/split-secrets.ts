/**
 * A credential split across the events of a stream (`"sk-pr"` in one delta, `"oj-…"` in the
 * next): no event holds it, the text the client assembles does. The strings at one place of
 * every event (`choices[0].delta.content`) are joined in order and searched; each piece of a
 * hit loses its part, the first one showing the placeholder, so the assembled text reads
 * `[redacted]` where the key was, exactly as an unsplit key does.
 *
 * The events are searched first without being touched (they may be shared with the caller's
 * copy: redaction copies on write); only when a place holds a hit are they copied and cut.
 */
import { REDACTED } from './placeholder.js'
import type { Redaction } from './redact-recording.js'
import { findTokens, holdsTokenAnchor, LONGEST_ANCHOR } from './token-formats.js'

interface Piece {
  holder: Record<string, unknown> | unknown[]
  key: string | number
  text: string
}

/**
 * The strings at one place of every event, and the places below it. Places are a tree keyed
 * by property name (a string) or array index (a number), the same places a path string
 * `.choices[0].delta.content` names as long as no property name holds `.`, `[` or `]`.
 */
interface Place {
  pieces: Piece[]
  below: Map<string | number, Place> | undefined
}

export function redactSplitValues(
  events: unknown[] | undefined,
  redaction: Redaction,
): unknown[] | undefined {
  if (!Array.isArray(events) || events.length < 2) return events
  const hits = hitsOf(events, redaction)
  if (hits.length === 0) return events
  const copy = JSON.parse(JSON.stringify(events)) as unknown[]
  for (const { pieces, spans } of hitsOf(copy, redaction)) cutSpans(pieces, spans)
  return copy
}

interface PlaceHits {
  pieces: Piece[]
  spans: [number, number][]
}

function hitsOf(events: unknown[], redaction: Redaction): PlaceHits[] {
  const hits: PlaceHits[] = []
  for (const pieces of placesOf(events)) {
    if (pieces.length < 2 || repeatsCleanly(pieces, redaction)) continue
    const spans = spansOf(pieces.map((piece) => piece.text).join(''), redaction)
    if (spans.length > 0) hits.push({ pieces, spans })
  }
  return hits
}

/**
 * Whether a place whose pieces are all one string (a stream's id, model and object name, sent
 * again in every event) surely holds no hit, decided on a few copies of the string instead of
 * all of them joined. Every anchor and secret value that the joined text holds lies within some
 * `copies` consecutive pieces, and those read alike wherever they start, so the few copies hold
 * it too (and they are part of the joined text: nothing is found that is not there). Without an
 * anchor no token is found; without a value no value is: `spansOf` would find nothing.
 */
function repeatsCleanly(pieces: Piece[], redaction: Redaction): boolean {
  const text = (pieces[0] as Piece).text
  if (text.length === 0) return false
  for (const piece of pieces) if (piece.text !== text) return false
  const longest = Math.max(LONGEST_ANCHOR, redaction.matcher.values[0]?.length ?? 0)
  const probe = text.repeat(Math.min(pieces.length, Math.ceil(longest / text.length) + 1))
  return !holdsTokenAnchor(probe) && redaction.matcher.values.every((value) => !probe.includes(value))
}

/** The pieces of every place, by path string when a name could make two paths one string. */
function placesOf(events: unknown[]): Iterable<Piece[]> {
  const root: Place = { pieces: [], below: undefined }
  const seen = { ambiguous: false }
  for (const [index, event] of events.entries()) collectByPlace(event, root, events, index, seen)
  if (seen.ambiguous) {
    const places = new Map<string, Piece[]>()
    for (const [index, event] of events.entries()) collectByPath(event, '', places, events, index)
    return places.values()
  }
  const all: Piece[][] = []
  const visit = (place: Place): void => {
    all.push(place.pieces)
    for (const below of place.below?.values() ?? []) visit(below)
  }
  visit(root)
  return all
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

/** Leaves only: strings at the same place of each event form one sequence. */
function collectByPlace(
  value: unknown,
  place: Place,
  holder: Record<string, unknown> | unknown[],
  key: string | number,
  seen: { ambiguous: boolean },
  depth = 0,
): void {
  if (typeof value === 'string') {
    place.pieces.push({ holder, key, text: value })
    return
  }
  if (depth > 50 || typeof value !== 'object' || value === null) return
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index]
      if (holdsStrings(item)) collectByPlace(item, placeBelow(place, index), value, index, seen, depth + 1)
    }
    return
  }
  const object = value as Record<string, unknown>
  for (const name of Object.keys(object)) {
    if (name.includes('.') || name.includes('[') || name.includes(']')) seen.ambiguous = true
    const item = object[name]
    if (holdsStrings(item)) collectByPlace(item, placeBelow(place, name), object, name, seen, depth + 1)
  }
}

/** Numbers, booleans and nulls are no place: no node is made for them. */
function holdsStrings(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null)
}

function placeBelow(place: Place, step: string | number): Place {
  place.below ??= new Map()
  let below = place.below.get(step)
  if (!below) {
    below = { pieces: [], below: undefined }
    place.below.set(step, below)
  }
  return below
}

/** The same by path string, for events whose names hold `.`, `[` or `]`. */
function collectByPath(
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
      collectByPath(item, `${path}[${index}]`, places, value, index, depth + 1)
    return
  }
  for (const [name, item] of Object.entries(value))
    collectByPath(item, `${path}.${name}`, places, value as Record<string, unknown>, name, depth + 1)
}

/** From the end: cutting a later span leaves the offsets of earlier ones as they were. */
function cutSpans(pieces: Piece[], spans: [number, number][]): void {
  let limit = Number.POSITIVE_INFINITY
  for (const [start, end] of spans.sort((a, b) => b[0] - a[0])) {
    if (end > limit) continue
    cutSpan(pieces, start, end)
    limit = start
  }
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

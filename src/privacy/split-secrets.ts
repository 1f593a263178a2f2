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
import { withTextDataParsed } from './text-events.js'
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
  /** By `index` value, for the strings of objects that carry one (Walk.byIndex). */
  groups: Map<number, Place> | undefined
}

export function redactSplitValues(
  events: unknown[] | undefined,
  redaction: Redaction,
): unknown[] | undefined {
  if (!Array.isArray(events) || events.length < 2) return events
  // Text-stored events take part through their parsed data; only those that hold a piece
  // are stored parsed (docs/secrets.md), every other event keeps what it was.
  const views = withTextDataParsed(events)
  let current = views
  let copied = false
  for (const byIndex of [true, false]) {
    const walk: Walk = { byIndex, ambiguous: false, firstIndex: undefined, indexed: false }
    let hits = hitsOf(current, redaction, walk, 2)
    if (hits.length > 0) {
      if (!copied) {
        current = JSON.parse(JSON.stringify(current)) as unknown[]
        copied = true
        hits = hitsOf(current, redaction, { ...walk, ambiguous: false }, 2)
      }
      for (const { pieces, spans } of hits) cutSpans(pieces, spans, writeToHolder)
    }
    // Interleaved choices (`n: 2`), content blocks, tool calls: the first round joins the
    // strings of each `index` apart (first, so a key is cut whole, not its start alone). A
    // second round joins across indices: some streams number every event `index` (a token
    // counter), and there the split runs across them.
    if (!walk.indexed) break
  }
  if (!copied) return events
  return current.map((event, at) =>
    JSON.stringify(event) === JSON.stringify(views[at]) ? events[at] : event,
  )
}

/** A hit's part of one string: its characters [from, to), as the string was, give way to `insert`. */
export interface PieceCut {
  holder: object
  key: string | number
  from: number
  to: number
  insert: string
}

/**
 * One round of the search (by `index` or across) whose cuts are handed back, in the order
 * made, for the caller to make where each string stands (split-text.ts), or to report
 * (`verify`); the trees are not edited. By default a place of one string counts too: a text
 * is searched decoded nowhere else, and an escape (`ghp\u005f…`) hides a whole token.
 */
export function splitCutsOf(
  records: unknown[],
  redaction: Redaction,
  byIndex: boolean,
  fewest = 1,
): { cuts: PieceCut[]; indexed: boolean } {
  const walk: Walk = { byIndex, ambiguous: false, firstIndex: undefined, indexed: false }
  const cuts: PieceCut[] = []
  for (const { pieces, spans } of hitsOf(records, redaction, walk, fewest))
    cutSpans(pieces, spans, (piece, from, to, insert) =>
      cuts.push({ holder: piece.holder, key: piece.key, from, to, insert }),
    )
  return { cuts, indexed: walk.indexed }
}

/** Where a cut goes: called with the piece already cut, and the part it lost (of its text before). */
type CutWriter = (piece: Piece, from: number, to: number, insert: string) => void

const writeToHolder: CutWriter = (piece) => {
  ;(piece.holder as Record<string | number, unknown>)[piece.key] = piece.text
}

interface PlaceHits {
  pieces: Piece[]
  spans: [number, number][]
}

/** One traversal's settings and what it noticed. */
interface Walk {
  /** Strings under an object with a numeric `index` form a place of their own per index. */
  byIndex: boolean
  /** A property name holds `.`, `[` or `]`. */
  ambiguous: boolean
  firstIndex: number | undefined
  /** Objects carry different `index` values: a round by index may find more. */
  indexed: boolean
}

function hitsOf(events: unknown[], redaction: Redaction, walk: Walk, fewest: number): PlaceHits[] {
  const hits: PlaceHits[] = []
  for (const pieces of placesOf(events, walk)) {
    if (pieces.length < fewest || repeatsCleanly(pieces, redaction)) continue
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
function placesOf(events: unknown[], walk: Walk): Iterable<Piece[]> {
  const root: Place = { pieces: [], below: undefined, groups: undefined }
  for (const [index, event] of events.entries()) collectByPlace(event, root, events, index, walk)
  if (walk.ambiguous) {
    const places = new Map<string, Piece[]>()
    for (const [index, event] of events.entries()) collectByPath(event, '', places, events, index, walk)
    return places.values()
  }
  const all: Piece[][] = []
  const visit = (place: Place): void => {
    all.push(place.pieces)
    for (const below of place.below?.values() ?? []) visit(below)
    for (const group of place.groups?.values() ?? []) visit(group)
  }
  visit(root)
  return all
}

function spansOf(joined: string, redaction: Redaction): [number, number][] {
  const spans: [number, number][] = []
  for (const hit of findTokens(joined)) {
    spans.push([hit.start, hit.end])
    redaction.found.add(joined.slice(hit.start, hit.end))
  }
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
  walk: Walk,
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
      if (holdsStrings(item)) collectByPlace(item, placeBelow(place, index), value, index, walk, depth + 1)
    }
    return
  }
  const object = value as Record<string, unknown>
  const group = groupOf(object, place, walk)
  for (const name of Object.keys(object)) {
    if (name.includes('.') || name.includes('[') || name.includes(']')) walk.ambiguous = true
    const item = object[name]
    if (holdsStrings(item)) collectByPlace(item, placeBelow(group, name), object, name, walk, depth + 1)
  }
}

/** The place an object's strings go below: its own per `index` value in a round by index. */
function groupOf(object: Record<string, unknown>, place: Place, walk: Walk): Place {
  const index = object.index
  if (typeof index !== 'number') return place
  walk.firstIndex ??= index
  if (index !== walk.firstIndex) walk.indexed = true
  if (!walk.byIndex) return place
  place.groups ??= new Map()
  let group = place.groups.get(index)
  if (!group) {
    group = { pieces: [], below: undefined, groups: undefined }
    place.groups.set(index, group)
  }
  return group
}

/** Numbers, booleans and nulls are no place: no node is made for them. */
function holdsStrings(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null)
}

function placeBelow(place: Place, step: string | number): Place {
  place.below ??= new Map()
  let below = place.below.get(step)
  if (!below) {
    below = { pieces: [], below: undefined, groups: undefined }
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
  walk: Walk,
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
      collectByPath(item, `${path}[${index}]`, places, value, index, walk, depth + 1)
    return
  }
  const group = (value as Record<string, unknown>).index
  const at = walk.byIndex && typeof group === 'number' ? `${path}#${group}` : path
  for (const [name, item] of Object.entries(value))
    collectByPath(item, `${at}.${name}`, places, value as Record<string, unknown>, name, walk, depth + 1)
}

/** From the end: cutting a later span leaves the offsets of earlier ones as they were. */
function cutSpans(pieces: Piece[], spans: [number, number][], write: CutWriter): void {
  let limit = Number.POSITIVE_INFINITY
  for (const [start, end] of spans.sort((a, b) => b[0] - a[0])) {
    if (end > limit) continue
    cutSpan(pieces, start, end, write)
    limit = start
  }
}

function cutSpan(pieces: Piece[], start: number, end: number, write: CutWriter): void {
  let offset = 0
  let first = true
  for (const piece of pieces) {
    const from = Math.max(start, offset)
    const to = Math.min(end, offset + piece.text.length)
    const length = piece.text.length
    if (from < to) {
      const local = piece.text
      const insert = first ? REDACTED : ''
      piece.text = `${local.slice(0, from - offset)}${insert}${local.slice(to - offset)}`
      write(piece, from - offset, to - offset, insert)
      first = false
    }
    offset += length
  }
}

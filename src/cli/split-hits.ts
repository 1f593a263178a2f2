/**
 * What `verify` finds that no view of a file shows: a token split across the strings of a
 * stream (its stored events, or the records of a stream stored as one text), or hidden in one
 * string of such a text by an escape. The write path's own rule finds them (split-secrets.ts
 * over the events, split-text.ts's reading of a text), here with no values of a run, so by
 * format only, and nothing is cut.
 */
import { wholeBody } from '../format/body-codec.js'
import type { RecordingFile } from '../format/format.js'
import { REDACTED } from '../privacy/placeholder.js'
import { secretMatcherOf } from '../privacy/secret-encodings.js'
import { type PieceCut, splitCutsOf } from '../privacy/split-secrets.js'
import { withTextDataParsed } from '../privacy/text-events.js'
import { textOffsetOf, textRecordsOf } from '../privacy/text-records.js'
import { findTokens, type TokenFormat } from '../privacy/token-formats.js'

export interface SplitHit {
  /** Offset in the file of the first piece (as the file spells it), or of the body. */
  offset: number
  format: TokenFormat
  key: string
  pieces: number
  /** `interactions[2].response.body` */
  where: string
}

export function splitHitsOf(recording: RecordingFile, fileText: string): SplitHit[] {
  const hits: SplitHit[] = []
  recording.interactions.forEach((interaction, index) => {
    for (const side of ['request', 'response'] as const) {
      const part = interaction[side]
      if (!part) continue // a request its client aborted has no response
      const { body, body_encoding: encoding } = part
      const where = `interactions[${index}].${side}.body`
      // A stream kept as the pieces its client read is one text to its client.
      const whole = wholeBody(encoding, body)
      if (encoding === 'text' && typeof whole === 'string') hits.push(...textHits(whole, where, fileText))
      else if ((encoding === 'sse' || encoding === 'ndjson') && Array.isArray(body))
        hits.push(...eventHits(body, where, fileText))
    }
  })
  return hits
}

/** A text's records: one string is a hit too when an escape hid it from the file's views. */
function textHits(body: string, where: string, fileText: string): SplitHit[] {
  const read = textRecordsOf(body)
  return roundsOf(read.records, 1).flatMap((group) => {
    const first = group[0] as PieceCut
    const literal = read.literals.get(first.holder)?.get(first.key)
    if (!literal) return []
    const spelled = body.slice(textOffsetOf(body, literal, first.from), textOffsetOf(body, literal, first.to))
    // A whole token spelled as it reads is in the file's raw view already.
    if (group.length < 2 && spelled === textOf(first).slice(first.from, first.to)) return []
    return hitOf(group, where, fileText, JSON.stringify(spelled).slice(1, -1))
  })
}

/** Stored events: one string alone is a view of the file already. */
function eventHits(events: unknown[], where: string, fileText: string): SplitHit[] {
  return roundsOf(withTextDataParsed(events), 2).flatMap((group) => {
    if (group.length < 2) return []
    const first = group[0] as PieceCut
    return hitOf(
      group,
      where,
      fileText,
      JSON.stringify(textOf(first).slice(first.from, first.to)).slice(1, -1),
    )
  })
}

function hitOf(group: PieceCut[], where: string, fileText: string, spelled: string): SplitHit[] {
  const key = group.map((cut) => textOf(cut).slice(cut.from, cut.to)).join('')
  const format = findTokens(key)[0]?.format
  if (!format) return []
  const portions = group.map((cut) => textOf(cut).slice(cut.from, cut.to))
  return [{ offset: offsetOf(fileText, spelled, portions), format, key, pieces: group.length, where }]
}

/**
 * Where the file spells the first piece; else (an event kept as text spells it escaped twice)
 * where the longest run of letters and digits of a piece stands, which no writer escapes.
 */
function offsetOf(fileText: string, spelled: string, portions: string[]): number {
  const at = spelled === '' ? -1 : fileText.indexOf(spelled)
  if (at !== -1) return at
  const runs = portions.flatMap((portion) => portion.match(/[A-Za-z0-9]+/g) ?? [])
  const run = runs.reduce((longest, next) => (next.length > longest.length ? next : longest), '')
  return run.length < 4 ? 0 : Math.max(0, fileText.indexOf(run))
}

const textOf = (cut: PieceCut): string => (cut.holder as Record<string | number, string>)[cut.key] as string

/** The cuts of both rounds (by `index`, then across), one group per hit: each starts with the placeholder. */
function roundsOf(records: unknown[], fewest: number): PieceCut[][] {
  const none = { matcher: secretMatcherOf([]), found: new Set<string>() }
  const groups: PieceCut[][] = []
  const seen = new Set<string>()
  for (const byIndex of [true, false]) {
    const { cuts, indexed } = splitCutsOf(records, none, byIndex, fewest)
    for (const cut of cuts) {
      if (cut.insert === REDACTED) groups.push([])
      groups[groups.length - 1]?.push(cut)
    }
    if (!indexed) break
  }
  return groups.filter((group) => {
    const id = group.map((cut) => `${String(cut.key)}:${cut.from}:${cut.to}:${textOf(cut)}`).join('|')
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
}

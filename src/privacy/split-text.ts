/**
 * A credential split across the records of a stream stored as one text (NDJSON whose lines do
 * not print back, Ollama's `\u003c` among them; a stream under `text/plain` or no stream type;
 * SSE cut short or malformed; a request body): the rule of split-secrets.ts, over the records
 * text-records.ts reads, each cut made on the characters of the piece's literal alone. Every
 * other byte of the text stays as it came, so replay hands the client the same text with only
 * the key gone, as `[redacted]` where it started.
 */
import type { Redaction } from './redact-recording.js'
import { type PieceCut, splitCutsOf } from './split-secrets.js'
import { type TextRecords, textOffsetOf, textRecordsOf } from './text-records.js'

export function redactSplitText(text: string, redaction: Redaction): string {
  if (text.length < 8) return text
  let current = text
  // By `index` first, then across indices (split-secrets.ts says why); the second round reads
  // the text the first one cut.
  for (const byIndex of [true, false]) {
    const read = textRecordsOf(current)
    const { cuts, indexed } = splitCutsOf(read.records, redaction, byIndex)
    current = withCuts(current, read, cuts)
    if (!indexed) break
  }
  return current
}

/** The text with each cut made where its string stands (the cuts of one round never overlap). */
function withCuts(text: string, read: TextRecords, cuts: PieceCut[]): string {
  if (cuts.length === 0) return text
  const edits = cuts.map((cut) => {
    const literal = read.literals.get(cut.holder)?.get(cut.key)
    if (!literal) throw new Error(`no literal for a cut string (${String(cut.key)})`)
    return {
      start: textOffsetOf(text, literal, cut.from),
      end: textOffsetOf(text, literal, cut.to),
      insert: cut.insert,
    }
  })
  edits.sort((a, b) => a.start - b.start)
  const parts: string[] = []
  let from = 0
  for (const { start, end, insert } of edits) {
    parts.push(text.slice(from, start), insert)
    from = end
  }
  parts.push(text.slice(from))
  return parts.join('')
}

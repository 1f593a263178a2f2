/**
 * Server-sent events as stored data. An event is an object whose keys are its fields in the
 * order they were sent (`event`, `id`, `retry`, `data`; `comment` for `:` lines); `data`
 * holds the parsed JSON when the payload is JSON. Stored events print back as SSE that every
 * parser reads as the same events: line ends become `\n` (Gemini ends events with CRLF),
 * `data:x` becomes `data: x`, JSON data loses insignificant spaces (json-text.ts). What a
 * parser could tell apart (a repeated field, an unfinished last event) is stored as text.
 */
import { parseJsonElementsUpToWhitespace, rememberPrintedLines } from './json-text.js'

export type SseEvent = Record<string, unknown>

const LINE_END = /\r\n|\r|\n/
const ENDS_WITH_BLANK_LINE = /(?:\r\n|\r|\n)(?:\r\n|\r|\n)$/

export function parseSse(text: string): SseEvent[] | undefined {
  if (!ENDS_WITH_BLANK_LINE.test(text)) return undefined
  // Most streams end lines with `\n` alone: a string split is cheaper than the pattern's.
  const lines = text.includes('\r') ? text.split(LINE_END) : text.split('\n')
  // The text ends with a line end: the last piece is always empty, and so is the one before.
  lines.pop()
  const events: SseEvent[] = []
  let block: string[] = []
  for (const line of lines) {
    if (line !== '') {
      block.push(line)
      continue
    }
    const event = parseBlock(block)
    if (!event) return undefined
    events.push(event)
    block = []
  }
  rememberPrintedLines(events, withJsonData(events))
  return events
}

/** An event's fields in the order sent; its data still as text. */
function parseBlock(lines: string[]): SseEvent | undefined {
  const event: SseEvent = {}
  const dataLines: string[] = []
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = colon === -1 ? line : line.slice(0, colon)
    const field = name === '' ? 'comment' : name
    // The spec drops one space after the colon; the printer puts exactly one back.
    const rest = colon === -1 ? '' : line.slice(colon + 1)
    const value = rest.charCodeAt(0) === 0x20 ? rest.slice(1) : rest
    if (field === 'data') {
      dataLines.push(value)
      if (!('data' in event)) event.data = undefined
    } else {
      if (field in event) return undefined // repeated non-data fields cannot be printed back
      event[field] = value
    }
  }
  if (dataLines.length > 0) event.data = dataLines.join('\n')
  return event
}

/**
 * The data of every event parsed where it is JSON (checked for all the events of the stream at
 * once: json-text.ts), and each event's JSON text on one line, as the recording prints it.
 */
function withJsonData(events: SseEvent[]): string[] {
  const at: number[] = []
  const texts: string[] = []
  events.forEach((event, index) => {
    const data = event.data
    // Only objects and arrays: a bare number or string would not print back unambiguously.
    // Data over several lines (JSON split over `data:` lines, a last empty `data:`) stays
    // text: its line ends are part of the data a parser reads, and parsed JSON prints on one.
    if (typeof data !== 'string' || data.includes('\n')) return
    const first = data.charCodeAt(0)
    if (first !== 0x7b && first !== 0x5b) return
    at.push(index)
    texts.push(data)
  })
  const compact: (string | undefined)[] = new Array(events.length)
  parseJsonElementsUpToWhitespace(texts).forEach((parsed, nth) => {
    if (!parsed.ok) return
    const index = at[nth] as number
    ;(events[index] as SseEvent).data = parsed.value
    compact[index] = parsed.compact
  })
  return events.map((event, index) => printEvent(event, compact[index]))
}

/** `JSON.stringify(event)`, with the text of its parsed data printed already by the check. */
function printEvent(event: SseEvent, compactData: string | undefined): string {
  let out = ''
  // Object.keys: the order JSON.stringify follows (integer-like names first).
  for (const key of Object.keys(event)) {
    const text = key === 'data' && compactData !== undefined ? compactData : JSON.stringify(event[key])
    if (text !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${text}`
  }
  return `{${out}}`
}

export function printSseEvent(event: SseEvent): string {
  let out = ''
  for (const [field, value] of Object.entries(event)) {
    if (field === 'data') {
      const text = typeof value === 'string' ? value : JSON.stringify(value)
      for (const line of text.split('\n')) out += `data: ${line}\n`
    } else if (field === 'comment') {
      out += `: ${value}\n`
    } else {
      out += `${field}: ${value}\n`
    }
  }
  return `${out}\n`
}

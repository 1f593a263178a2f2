/**
 * Server-sent events as stored data. An event is an object whose keys are its fields in the
 * order they were sent (`event`, `id`, `retry`, `data`; `comment` for `:` lines); `data`
 * holds the parsed JSON when the payload is JSON. Stored events print back as SSE that every
 * parser reads as the same events: line ends become `\n` (Gemini ends events with CRLF),
 * `data:x` becomes `data: x`, JSON data loses insignificant spaces (json-text.ts). What a
 * parser could tell apart (a repeated field, an unfinished last event) is stored as text.
 */
import { parseJsonUpToWhitespace, rememberPrintedLines } from './json-text.js'

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
  const printed: string[] = []
  let block: string[] = []
  for (const line of lines) {
    if (line !== '') {
      block.push(line)
      continue
    }
    const parsed = parseBlock(block)
    if (!parsed) return undefined
    events.push(parsed.event)
    printed.push(parsed.printed)
    block = []
  }
  rememberPrintedLines(events, printed)
  return events
}

/** An event, and its JSON text on one line (as the recording prints it). */
function parseBlock(lines: string[]): { event: SseEvent; printed: string } | undefined {
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
  let compactData: string | undefined
  if (dataLines.length > 0) {
    const data = parseData(dataLines.join('\n'))
    event.data = data.value
    compactData = data.compact
  }
  return { event, printed: printEvent(event, compactData) }
}

function parseData(data: string): { value: unknown; compact?: string } {
  const first = data.charCodeAt(0)
  // Only objects and arrays: a bare number or string would not print back unambiguously.
  if (first !== 0x7b && first !== 0x5b) return { value: data }
  const parsed = parseJsonUpToWhitespace(data)
  return parsed.ok ? parsed : { value: data }
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

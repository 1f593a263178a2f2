/**
 * Bytes ⇄ stored body. Readable where it is safe: JSON as JSON, SSE as events, NDJSON as
 * lines, text as text, multipart as parts. A stored form may print back with other
 * whitespace or line ends than were received, never with a difference a parser can see
 * (json-text.ts has the rule); anything else is kept as text or base64.
 */
import { isUtf8 } from 'node:buffer'
import type { BodyEncoding, StoredResponse } from './format.js'
import {
  parseJsonElementsUpToWhitespace,
  parseJsonUpToWhitespace,
  rememberPrintedLines,
  tryParseJson,
} from './json-text.js'
import { boundaryOf, parseMultipart } from './multipart.js'
import { parseSse, printSseEvent } from './sse.js'

export interface EncodedBody {
  body_encoding?: BodyEncoding
  body?: unknown
  json_indent?: number
  json_newline?: boolean
}

const JSON_TYPE = /[/+]json\b/i
const NDJSON_TYPE = /\b(x-ndjson|jsonl|jsonlines|ndjson)\b/i
const SSE_TYPE = /\btext\/event-stream\b/i

export function encodeRequestBody(bytes: Buffer, contentType: string): EncodedBody {
  if (bytes.length === 0) return {}
  if (/^multipart\/form-data/i.test(contentType)) {
    const boundary = boundaryOf(contentType)
    const parts = boundary ? parseMultipart(bytes, boundary) : undefined
    if (parts) return { body_encoding: 'multipart', body: parts }
  }
  if (/^application\/x-www-form-urlencoded/i.test(contentType) && isUtf8(bytes)) {
    return { body_encoding: 'form', body: [...new URLSearchParams(bytes.toString('utf8'))] }
  }
  if (JSON_TYPE.test(contentType) && isUtf8(bytes)) {
    const parsed = tryParseJson(bytes.toString('utf8'))
    if (parsed.ok) return { body_encoding: 'json', body: parsed.value }
  }
  return encodeOpaque(bytes)
}

/** Whether encodeRequestBody stores a body of this content type as JSON (when it parses). */
export function encodesAsJson(contentType: string): boolean {
  return (
    !/^multipart\/form-data/i.test(contentType) &&
    !/^application\/x-www-form-urlencoded/i.test(contentType) &&
    JSON_TYPE.test(contentType)
  )
}

/**
 * `pieces`: the body as the client read it, cut where it read it (a stream without a length).
 * A body kept as text or base64 is then stored as the list of its pieces, and replayed one
 * piece per read; the readable forms (SSE events, NDJSON lines, JSON) keep their own cuts.
 */
export function encodeResponseBody(bytes: Buffer, contentType: string, pieces?: Buffer[]): EncodedBody {
  if (bytes.length === 0) return {}
  if (!isUtf8(bytes)) return { body_encoding: 'base64', body: base64Body(bytes, pieces) }
  const text = bytes.toString('utf8')
  if (SSE_TYPE.test(contentType)) {
    const events = parseSse(text)
    if (events) return { body_encoding: 'sse', body: events }
  } else if (NDJSON_TYPE.test(contentType)) {
    const lines = parseNdjson(text)
    if (lines) return { body_encoding: 'ndjson', body: lines }
  } else if (JSON_TYPE.test(contentType)) {
    const json = encodeJsonExactly(text)
    if (json) return json
  }
  return { body_encoding: 'text', body: textBody(text, pieces) }
}

function base64Body(bytes: Buffer, pieces: Buffer[] | undefined): string | string[] {
  const kept = pieces?.filter((piece) => piece.length > 0)
  if (!kept || kept.length < 2) return bytes.toString('base64')
  return kept.map((piece) => piece.toString('base64'))
}

/** Each piece ends on a whole character: one cut inside a character moves to its start. */
function textBody(text: string, pieces: Buffer[] | undefined): string | string[] {
  if (!pieces || pieces.length < 2) return text
  const texts: string[] = []
  let pending: Buffer = Buffer.alloc(0)
  for (const piece of pieces) {
    pending = pending.length === 0 ? piece : Buffer.concat([pending, piece])
    const end = completeUtf8Length(pending)
    if (end > 0) texts.push(pending.subarray(0, end).toString('utf8'))
    pending = pending.subarray(end)
  }
  if (pending.length > 0) texts.push(pending.toString('utf8'))
  return texts.length < 2 ? text : texts
}

/** The length of `bytes` without an unfinished UTF-8 sequence at its end (the next chunk ends it). */
export function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number
    if ((byte & 0xc0) === 0x80) continue // a continuation byte: look further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    return needed > back ? bytes.length - back : bytes.length
  }
  return bytes.length
}

/** A text or base64 body stored as its pieces, as one string (what a reader of the whole gets). */
export function wholeBody(encoding: BodyEncoding | undefined, body: unknown): unknown {
  if (!Array.isArray(body)) return body
  if (encoding === 'text') return body.join('')
  if (encoding === 'base64')
    return Buffer.concat(body.map((piece) => Buffer.from(String(piece), 'base64'))).toString('base64')
  return body
}

function encodeOpaque(bytes: Buffer): EncodedBody {
  if (isUtf8(bytes)) return { body_encoding: 'text', body: bytes.toString('utf8') }
  return { body_encoding: 'base64', body: bytes.toString('base64') }
}

/**
 * JSON is stored parsed when printing it back (compact, or with 2-space indentation when it
 * came indented) differs at most in whitespace; a trailing newline is kept as it came.
 */
function encodeJsonExactly(text: string): EncodedBody | undefined {
  const newline = text.endsWith('\n')
  const parsed = parseJsonUpToWhitespace(newline ? text.slice(0, -1) : text)
  if (!parsed.ok) return undefined
  const indent = /^[[{]\r?\n[ \t]/.test(text) ? 2 : 0
  return {
    body_encoding: 'json',
    body: parsed.value,
    ...(indent ? { json_indent: indent } : {}),
    ...(newline ? { json_newline: true } : {}),
  }
}

function printJson(value: unknown, indent: number, newline: boolean): string {
  return JSON.stringify(value, null, indent || undefined) + (newline ? '\n' : '')
}

function parseNdjson(text: string): unknown[] | undefined {
  if (!text.endsWith('\n')) return undefined
  const lines: unknown[] = []
  const printed: string[] = []
  for (const parsed of parseJsonElementsUpToWhitespace(text.slice(0, -1).split('\n'))) {
    if (!parsed.ok) return undefined
    lines.push(parsed.value)
    printed.push(parsed.compact)
  }
  rememberPrintedLines(lines, printed)
  return lines
}

/** Largest chunk replay hands the client at once, so pause/resume has something to act on. */
const CHUNK_SIZE = 64 * 1024

/** The bytes replay sends, one chunk per SSE event / NDJSON line / stored piece (chunk-faithful streaming). */
export function responseChunks(response: StoredResponse): Buffer[] {
  const { body } = response
  switch (response.body_encoding) {
    case undefined:
      return []
    case 'sse':
      return (body as Record<string, unknown>[]).map((event) => Buffer.from(printSseEvent(event)))
    case 'ndjson':
      return (body as unknown[]).map((line) => Buffer.from(`${JSON.stringify(line)}\n`))
    case 'json':
      return split(Buffer.from(printJson(body, response.json_indent ?? 0, response.json_newline === true)))
    case 'base64':
      if (Array.isArray(body)) return body.flatMap((piece) => split(Buffer.from(piece as string, 'base64')))
      return split(Buffer.from(body as string, 'base64'))
    case 'text':
      if (Array.isArray(body)) return body.flatMap((piece) => split(Buffer.from(piece as string, 'utf8')))
      // A stream that could not be stored as events (CRLF line ends, `data:` without a space)
      // is still replayed one event (or line) per chunk, as it arrived.
      if (response.is_streaming)
        return streamPieces(body as string, String(response.headers?.['content-type'] ?? ''))
      return split(Buffer.from(body as string, 'utf8'))
    default:
      // Request-only encodings (multipart, form) never describe a response we produced.
      return split(Buffer.from(JSON.stringify(body)))
  }
}

const SSE_PIECE = /[\s\S]*?(?:\r\n\r\n|\n\n|\r\r)|[\s\S]+$/g
const LINE_PIECE = /[^\n]*\n|[^\n]+$/g

function streamPieces(text: string, contentType: string): Buffer[] {
  const pieces = text.match(SSE_TYPE.test(contentType) ? SSE_PIECE : LINE_PIECE) ?? []
  return pieces.flatMap((piece) => split(Buffer.from(piece, 'utf8')))
}

function split(bytes: Buffer): Buffer[] {
  if (bytes.length <= CHUNK_SIZE) return [bytes]
  const chunks: Buffer[] = []
  for (let start = 0; start < bytes.length; start += CHUNK_SIZE) {
    chunks.push(bytes.subarray(start, start + CHUNK_SIZE))
  }
  return chunks
}

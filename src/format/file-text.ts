/**
 * Recording file text: parse (with positions in errors) and print (diff-friendly).
 * Printing is 2-space JSON with two exceptions, each printed on one line: an element of a
 * streamed body (an SSE event, an NDJSON line), so a changed answer diffs event by event; and
 * an array of numbers (an embedding vector: 1,536 floats are one line, not 1,538).
 */
import { RecordingError } from '../errors.js'
import { type RecordingFile, validateRecordingFile } from './format.js'
import { jsonErrorOffset } from './json-position.js'
import { printLines } from './json-text.js'

export function parseRecordingText(text: string, file: string): RecordingFile {
  // A BOM is what some editors add on save; it carries no meaning here.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  let value: unknown
  try {
    value = JSON.parse(source)
  } catch (error) {
    const where = describeJsonErrorPosition(source, error)
    throw new RecordingError(
      'RECORDING_INVALID_JSON',
      `${file}${where} is not valid JSON (${(error as Error).message}). ` +
        `Fix the file (a merge conflict or a cut-off write?), or delete it and re-record with UPDATE_RECORDINGS=1.`,
      { cause: error },
    )
  }
  try {
    return validateRecordingFile(value, file)
  } catch (error) {
    if (error instanceof RangeError) {
      throw new RecordingError(
        'RECORDING_INVALID_FORMAT',
        `${file} is nested too deeply to be a recording. Delete it and re-record with UPDATE_RECORDINGS=1.`,
        { cause: error },
      )
    }
    throw error
  }
}

function describeJsonErrorPosition(source: string, error: unknown): string {
  const match = /position (\d+)/.exec((error as Error).message)
  const position = match ? Number(match[1]) : jsonErrorOffset(source)
  if (position < 0) return ''
  const before = source.slice(0, position)
  const line = before.split('\n').length
  const column = position - before.lastIndexOf('\n')
  return `:${line}:${column}`
}

const STREAMED_ENCODINGS = new Set(['sse', 'ndjson'])

export function printRecording(file: RecordingFile): string {
  // One-line parts are swapped for unique placeholders, the whole is printed with
  // indentation, then each placeholder is replaced by its part printed on one line. A streamed
  // body is one placeholder for all its lines (printed as JSON.stringify would indent them).
  const nonce = Math.random().toString(36).slice(2)
  const parts = new Map<string, string | readonly string[]>()
  const placeholder = (printed: string | readonly string[] | undefined): string => {
    const token = `@@fr-${nonce}-${parts.size}@@`
    parts.set(`"${token}"`, printed as string)
    return token
  }
  const interactions = file.interactions.map((interaction) => {
    const { response } = interaction
    if (!response || !STREAMED_ENCODINGS.has(response.body_encoding ?? '') || !Array.isArray(response.body)) {
      return interaction
    }
    const lines = printLines(response.body)
    if (lines.length === 0) return interaction
    const body = lines.includes(undefined) ? lines.map(placeholder) : placeholder(lines as readonly string[])
    return { ...interaction, response: { ...response, body } }
  })
  const numbersOnOneLine = (_key: string, value: unknown): unknown =>
    isNumberArray(value) ? placeholder(JSON.stringify(value)) : value
  const whole = { ...file, interactions }
  // A replacer costs a call per value printed: only when there is an array of numbers to catch.
  const text = JSON.stringify(whole, holdsNumberArray(whole, 0) ? numbersOnOneLine : undefined, 2)
  if (parts.size === 0) return `${text}\n`
  return `${text.replace(/"@@fr-[a-z0-9]+-\d+@@"/g, (token, at: number) => {
    const part = parts.get(token) ?? token
    return typeof part === 'string' ? part : indentedArray(part, indentAt(text, at))
  })}\n`
}

/** The indentation of the line `at` is on. */
function indentAt(text: string, at: number): string {
  const start = text.lastIndexOf('\n', at) + 1
  let end = start
  while (text.charCodeAt(end) === 0x20) end++
  return text.slice(start, end)
}

/** An array of one-line items as `JSON.stringify(…, null, 2)` lays it out under `indent`. */
function indentedArray(items: readonly string[], indent: string): string {
  return `[\n${indent}  ${items.join(`,\n${indent}  `)}\n${indent}]`
}

/** Whether printing would meet an array of numbers (placeholders of streamed parts hold none). */
function holdsNumberArray(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (isNumberArray(value)) return true
  if (depth > 1000) return true
  for (const item of Array.isArray(value) ? value : Object.values(value))
    if (holdsNumberArray(item, depth + 1)) return true
  return false
}

function isNumberArray(value: unknown): value is number[] {
  if (!Array.isArray(value) || value.length < 2) return false
  for (const item of value) if (typeof item !== 'number') return false
  return true
}

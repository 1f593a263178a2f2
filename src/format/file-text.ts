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
  // indentation, then each placeholder is replaced by its part printed on one line.
  const nonce = Math.random().toString(36).slice(2)
  const lines = new Map<string, string>()
  const placeholder = (printed: string | undefined): string => {
    const token = `@@fr-${nonce}-${lines.size}@@`
    lines.set(`"${token}"`, printed as string)
    return token
  }
  const interactions = file.interactions.map((interaction) => {
    const { response } = interaction
    if (!STREAMED_ENCODINGS.has(response.body_encoding ?? '') || !Array.isArray(response.body)) {
      return interaction
    }
    return { ...interaction, response: { ...response, body: printLines(response.body).map(placeholder) } }
  })
  const numbersOnOneLine = (_key: string, value: unknown): unknown =>
    isNumberArray(value) ? placeholder(JSON.stringify(value)) : value
  const whole = { ...file, interactions }
  // A replacer costs a call per value printed: only when there is an array of numbers to catch.
  const text = JSON.stringify(whole, holdsNumberArray(whole, 0) ? numbersOnOneLine : undefined, 2)
  if (lines.size === 0) return `${text}\n`
  return `${text.replace(/"@@fr-[a-z0-9]+-\d+@@"/g, (token) => lines.get(token) ?? token)}\n`
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

/**
 * Recording file format v1: the types, and the validation of a parsed file.
 * Field names follow llama-stack's recording format; bodies are stored readable
 * (see body-codec.ts for how each encoding maps to bytes).
 */
import { RecordingError } from '../errors.js'
import { responseChunks } from './body-codec.js'
import { decodeBody, isDecodableEncoding } from './content-encoding.js'

export const FORMAT_V1 = 'fetch-recordings/1'

export type BodyEncoding = 'json' | 'text' | 'base64' | 'sse' | 'ndjson' | 'multipart' | 'form'

export interface StoredRequest {
  method: string
  url: string
  endpoint: string
  model?: string
  headers: Record<string, string>
  body_encoding?: BodyEncoding
  body?: unknown
}

/**
 * Why a stored body is cut short (docs/modes.md#client-stops-reading-early):
 *  - `client-timeout`: the client's own deadline fired mid-stream; replay waits for it again.
 *  - `drain-limit`: the client stopped reading and the rest did not end within the drain limits.
 *  - `test-end`: the test ended before the body did (nobody read it to its end).
 *  - `network-error`: the connection failed after the client had stopped reading.
 */
export type CutBy = 'client-timeout' | 'drain-limit' | 'test-end' | 'network-error'

export const CUTS: readonly CutBy[] = ['client-timeout', 'drain-limit', 'test-end', 'network-error']

/** A header sent more than once is a list, one item per line (only `set-cookie` is stored so). */
export type StoredResponseHeaders = Record<string, string | string[]>

export interface StoredResponse {
  status: number
  /** Only when the server's reason phrase is not the standard one for the status. */
  status_text?: string
  headers: StoredResponseHeaders
  is_streaming: boolean
  body_encoding?: BodyEncoding
  /** Indentation the JSON body was sent with, so replay sends the same bytes. */
  json_indent?: number
  /** The JSON body ended with a newline. */
  json_newline?: boolean
  body?: unknown
  /** The body is cut short: replay errors if read past this point. */
  truncated?: boolean
  /** Why (absent in older files: then read as a client that stopped reading). */
  truncated_by?: CutBy
}

/**
 * Why a request has no response (docs/format.md): its client aborted it before the response
 * headers arrived, by its own deadline (`client-timeout`, a TimeoutError) or otherwise
 * (`client-abort`). Replay holds it open until this run's client aborts it too.
 */
export type AbortedBy = 'client-abort' | 'client-timeout'

export const ABORTS: readonly AbortedBy[] = ['client-abort', 'client-timeout']

export interface Interaction {
  request: StoredRequest
  /** Absent exactly when `aborted_by` says why there is none. */
  response?: StoredResponse
  aborted_by?: AbortedBy
  id_normalization_mapping: Record<string, string>
}

export interface RecordingFile {
  format: typeof FORMAT_V1
  test_id: string
  interactions: Interaction[]
}

const ENCODINGS: readonly BodyEncoding[] = ['json', 'text', 'base64', 'sse', 'ndjson', 'multipart', 'form']

/** Checks the shape of a parsed file; every complaint names the file, the place and the fix. */
export function validateRecordingFile(value: unknown, file: string): RecordingFile {
  const fix = `Fix the file by hand, or delete it and re-record with UPDATE_RECORDINGS=1.`
  const fail = (where: string, what: string): never => {
    throw new RecordingError('RECORDING_INVALID_FORMAT', `${file}: ${where} ${what}. ${fix}`)
  }
  if (!isPlainObject(value)) return fail('the top level', 'is not an object')
  if (value.format !== FORMAT_V1) {
    return fail(
      '"format"',
      `is ${JSON.stringify(value.format)}, this version reads only "${FORMAT_V1}" (a newer fetch-recordings may have written it)`,
    )
  }
  if (typeof value.test_id !== 'string') fail('"test_id"', 'is not a string')
  if (!Array.isArray(value.interactions)) return fail('"interactions"', 'is not an array')
  for (const [index, interaction] of (value.interactions as unknown[]).entries()) {
    const at = `interactions[${index}]`
    if (!isPlainObject(interaction)) fail(at, 'is not an object')
    const { request, response } = interaction as Record<string, unknown>
    if (!isPlainObject(request)) return fail(`${at}.request`, 'is not an object')
    if (typeof request.method !== 'string') fail(`${at}.request.method`, 'is not a string')
    if (typeof request.url !== 'string' || !URL.canParse(request.url))
      fail(`${at}.request.url`, 'is not a URL')
    if (request.headers !== undefined && !isStringRecord(request.headers)) {
      fail(`${at}.request.headers`, 'is not an object of strings')
    }
    checkEncoding(request.body_encoding, request.body, `${at}.request`, fail)
    if (checkAborted(interaction as Record<string, unknown>, at, fail)) continue
    if (!isPlainObject(response)) return fail(`${at}.response`, 'is not an object')
    const status = response.status
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
      fail(
        `${at}.response.status`,
        `is not an HTTP status code (it is ${JSON.stringify(status)}; 200 to 599 replay)`,
      )
    }
    if ((status as number) < 200) {
      fail(
        `${at}.response.status`,
        `is ${status}, an informational (1xx) status: never a final answer, so it cannot be replayed`,
      )
    }
    if (response.headers !== undefined && !isHeaderRecord(response.headers)) {
      fail(`${at}.response.headers`, 'is not an object of strings (or lists of strings, as for set-cookie)')
    }
    if (response.status_text !== undefined && typeof response.status_text !== 'string') {
      fail(`${at}.response.status_text`, 'is not a string')
    }
    if (response.truncated_by !== undefined && !CUTS.includes(response.truncated_by as CutBy)) {
      fail(
        `${at}.response.truncated_by`,
        `is ${JSON.stringify(response.truncated_by)}, expected one of ${CUTS.join(', ')}`,
      )
    }
    checkEncoding(response.body_encoding, response.body, `${at}.response`, fail, true)
    checkContentEncoding(response, `${at}.response`, fail)
    const mapping = (interaction as Record<string, unknown>).id_normalization_mapping
    if (mapping !== undefined && !isStringRecord(mapping)) {
      fail(`${at}.id_normalization_mapping`, 'is not an object of strings')
    }
  }
  return value as unknown as RecordingFile
}

/** True for a request stored without a response because its client aborted it (then no `response`). */
function checkAborted(
  interaction: Record<string, unknown>,
  at: string,
  fail: (where: string, what: string) => never,
): boolean {
  const { aborted_by: abortedBy, response } = interaction
  if (abortedBy === undefined) return false
  if (!ABORTS.includes(abortedBy as AbortedBy))
    fail(`${at}.aborted_by`, `is ${JSON.stringify(abortedBy)}, expected one of ${ABORTS.join(', ')}`)
  if (response !== undefined)
    fail(
      `${at}`,
      'has both a response and aborted_by (a request its client aborted has no response): remove one',
    )
  return true
}

function checkEncoding(
  encoding: unknown,
  body: unknown,
  at: string,
  fail: (where: string, what: string) => never,
  allowPieces = false,
): void {
  if (encoding === undefined) {
    if (body !== undefined && body !== null) fail(`${at}.body_encoding`, 'is missing while there is a body')
    return
  }
  if (!ENCODINGS.includes(encoding as BodyEncoding)) {
    fail(`${at}.body_encoding`, `is ${JSON.stringify(encoding)}, expected one of ${ENCODINGS.join(', ')}`)
  }
  // A stream's pieces (responses only): a list of strings, one per read.
  const wantsString = encoding === 'text' || encoding === 'base64'
  const isPieces = allowPieces && Array.isArray(body) && body.every((piece) => typeof piece === 'string')
  if (wantsString && typeof body !== 'string' && !isPieces)
    fail(`${at}.body`, `is not a string or a list of strings (body_encoding ${encoding})`)
  const wantsArray =
    encoding === 'sse' || encoding === 'ndjson' || encoding === 'multipart' || encoding === 'form'
  if (wantsArray && !Array.isArray(body)) fail(`${at}.body`, `is not an array (body_encoding ${encoding})`)
  if (encoding === 'base64') {
    const pieces = Array.isArray(body) ? body : [body]
    const bad = pieces.findIndex((piece) => !isBase64(piece as string))
    if (bad >= 0)
      fail(
        `${at}.body${Array.isArray(body) ? `[${bad}]` : ''}`,
        'is not base64 (body_encoding base64): it would replay as other bytes. Put the body back as base64, or store text with body_encoding "text"',
      )
  }
  if (encoding === 'json' && typeof body === 'string' && holdsJsonText(body))
    fail(
      `${at}.body`,
      'is a string holding JSON text (body_encoding json): it would replay as one JSON string, quotes and escapes included. Put the parsed JSON there instead of the string, or use body_encoding "text"',
    )
}

/** Standard base64, as written (padding optional: a hand edit may drop it). */
function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.replace(/=+$/, '').length % 4 !== 1
}

/** An object or array printed as text: what a JSON body pasted in quotes looks like. */
function holdsJsonText(text: string): boolean {
  if (!/^\s*[[{]/.test(text)) return false
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null
  } catch {
    return false
  }
}

/** Bodies are stored decoded: a content-encoding left in the headers must still decode the body. */
function checkContentEncoding(
  response: Record<string, unknown>,
  at: string,
  fail: (where: string, what: string) => never,
): void {
  const headers = isPlainObject(response.headers) ? response.headers : {}
  const name = Object.keys(headers).find((key) => key.toLowerCase() === 'content-encoding')
  const encoding = name === undefined ? undefined : headers[name]
  if (typeof encoding !== 'string' || !isDecodableEncoding(encoding)) return
  let bytes: Buffer
  try {
    bytes = Buffer.concat(responseChunks(response as unknown as StoredResponse))
  } catch {
    return // a body that cannot be turned into bytes fails on replay, with its own message
  }
  if (decodeBody(bytes, encoding, response.truncated !== true) === undefined) {
    fail(
      `${at}.headers.${name}`,
      `is ${JSON.stringify(encoding)} but the body does not decode with it (bodies are stored decoded; was the header added by hand?). Remove the header`,
    )
  }
}

export function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isHeaderRecord(value: unknown): value is StoredResponseHeaders {
  return (
    isPlainObject(value) &&
    Object.values(value).every(
      (v) => typeof v === 'string' || (Array.isArray(v) && v.every((item) => typeof item === 'string')),
    )
  )
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string')
}

/**
 * Streamed bodies that are stored as ONE text (docs/format.md: a line that does not print back,
 * a content type that names no stream, a cut or malformed stream, a request body), each with a
 * credential split across its records, as fast-check arbitraries. A case is a list of segments
 * whose pieces spell the key; what a client assembles from the body is computed per kind, and
 * so is the text redaction must leave (every segment that is no piece kept byte for byte).
 */
import fc from 'fast-check'
import { encodeRequestBody, encodeResponseBody } from '../../src/format/body-codec.js'
import { FORMAT_V1, type Interaction, type RecordingFile } from '../../src/format/format.js'

export const KINDS = [
  'ollama-go-escapes',
  'ndjson-as-json',
  'ndjson-cut',
  'text-lines',
  'ai-data-stream',
  'sse-cut',
  'sse-repeated-field',
  'sse-untyped',
  'request-ndjson',
] as const
/** The same streams well formed, stored as events: the rule they share is held to the same cut. */
export const EVENT_KINDS = ['sse-events', 'ndjson-events'] as const
export type Kind = (typeof KINDS)[number] | (typeof EVENT_KINDS)[number]

export interface Segment {
  raw: string
  piece: boolean
}

export interface SplitCase {
  id: string
  kind: Kind
  contentType: string
  /** Where the body travels: a request body is sent by the test, a response by the API. */
  direction: 'request' | 'response'
  key: string
  /** Found by value (a credential of the run's environment), not by its format. */
  value: boolean
  /** The records as the server writes them, one write each. */
  records: Segment[][]
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const run = (chars: string, length: number) =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: length, maxLength: length })

/** Each holds a digit and a letter, as the formats require of a real key. */
const keys = fc.oneof(
  run(ALNUM, 38).map((body) => ({ key: `sk-proj-a1${body}`, value: false })),
  run(ALNUM, 38).map((body) => ({ key: `sk-ant-api03-a1${body}`, value: false })),
  run(ALNUM, 34).map((body) => ({ key: `ghp_a1${body}`, value: false })),
  run(UPPER, 14).map((body) => ({ key: `AKIA7Q${body}`, value: false })),
  run(ALNUM, 28).map((body) => ({ key: `Zq7_${body}`, value: true })),
)

/** A string's JSON literal content, `_` and `-` sometimes written as `\u005f`, `\u002d`. */
function literal(text: string, escaped: boolean): string {
  const plain = JSON.stringify(text).slice(1, -1)
  return escaped ? plain.replace(/[_-]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : plain
}

interface Shape {
  contentType: string
  direction: 'request' | 'response'
  /** The records of a text of pieces (the first one led by `Your key is `), each piece's escaped given. */
  records: (texts: { text: string; piece: boolean; escaped: boolean }[], crlf: boolean) => Segment[][]
}

const at = (head: string, text: string, escaped: boolean, piece: boolean, tail: string): Segment[] => [
  { raw: head, piece: false },
  { raw: literal(text, escaped), piece },
  { raw: tail, piece: false },
]

const OLLAMA_HEAD =
  '{"model":"llama3.2","created_at":"2026-12-01T20:00:00.123456789Z","message":{"role":"assistant","content":"'
const OLLAMA_END = `{"model":"llama3.2","created_at":"2026-12-01T20:00:01.5Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"eval_count":9}`

function ollamaLines(go: boolean, cut: boolean): Shape['records'] {
  return (texts) => {
    // Go's encoder writes `<` as `\u003c`: a thinking model's first line does not print back.
    const think = go
      ? [[{ raw: `${OLLAMA_HEAD}\\u003cthink\\u003e\\u003c/think\\u003e"},"done":false}\n`, piece: false }]]
      : []
    const lines = texts.map(({ text, escaped, piece }) =>
      at(OLLAMA_HEAD, text, escaped, piece, '"},"done":false}\n'),
    )
    return [...think, ...lines, [{ raw: cut ? OLLAMA_END : `${OLLAMA_END}\n`, piece: false }]]
  }
}

const CHUNK_HEAD =
  'data: {"id":"chatcmpl-Ab12Cd","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"'
const CHUNK_TAIL = '"},"finish_reason":null}]}'

function sseEvents(variant: 'cut' | 'repeated' | 'untyped' | 'events'): Shape['records'] {
  return (texts, crlf) => {
    const end = crlf ? '\r\n' : '\n'
    const events = texts.map(({ text, escaped, piece }) =>
      at(CHUNK_HEAD, text, escaped, piece, `${CHUNK_TAIL}${end}${end}`),
    )
    const first = variant === 'repeated' ? `id: 1${end}id: 1${end}${end}` : `: ok${end}${end}`
    const last = variant === 'cut' ? 'data: {"id":"chatcmpl-Ab12Cd","choices":[' : `data: [DONE]${end}${end}`
    return [[{ raw: first, piece: false }], ...events, [{ raw: last, piece: false }]]
  }
}

const SHAPES: Record<Kind, Shape> = {
  'sse-events': { contentType: 'text/event-stream', direction: 'response', records: sseEvents('events') },
  // One escape in any line would store the whole body as text.
  'ndjson-events': {
    contentType: 'application/x-ndjson',
    direction: 'response',
    records: (texts, crlf) =>
      ollamaLines(false, false)(
        texts.map((text) => ({ ...text, escaped: false })),
        crlf,
      ),
  },
  'ollama-go-escapes': {
    contentType: 'application/x-ndjson',
    direction: 'response',
    records: ollamaLines(true, false),
  },
  'ndjson-as-json': {
    contentType: 'application/json; charset=utf-8',
    direction: 'response',
    records: ollamaLines(false, false),
  },
  'ndjson-cut': {
    contentType: 'application/x-ndjson',
    direction: 'response',
    records: ollamaLines(false, true),
  },
  'text-lines': {
    contentType: 'text/plain; charset=utf-8',
    direction: 'response',
    records: (texts, crlf) =>
      texts.map(({ text, piece }) => [
        { raw: text, piece },
        { raw: crlf ? '\r\n' : '\n', piece: false },
      ]),
  },
  'ai-data-stream': {
    contentType: 'text/plain; charset=utf-8',
    direction: 'response',
    records: (texts) => [
      [{ raw: 'f:{"messageId":"msg-Zt9Yq2Lp"}\n', piece: false }],
      ...texts.map(({ text, escaped, piece }) => at('0:"', text, escaped, piece, '"\n')),
      [
        {
          raw: 'e:{"finishReason":"stop","usage":{"promptTokens":5,"completionTokens":9},"isContinued":false}\n',
          piece: false,
        },
      ],
      [{ raw: 'd:{"finishReason":"stop","usage":{"promptTokens":5,"completionTokens":9}}\n', piece: false }],
    ],
  },
  'sse-cut': { contentType: 'text/event-stream', direction: 'response', records: sseEvents('cut') },
  'sse-repeated-field': {
    contentType: 'text/event-stream',
    direction: 'response',
    records: sseEvents('repeated'),
  },
  'sse-untyped': {
    contentType: 'application/octet-stream',
    direction: 'response',
    records: sseEvents('untyped'),
  },
  'request-ndjson': {
    contentType: 'application/x-ndjson',
    direction: 'request',
    records: (texts) =>
      texts.flatMap(({ text, escaped, piece }, nth) => [
        [{ raw: `{"index":{"_id":"doc-${nth}"}}\n`, piece: false }],
        at('{"note":"', text, escaped, piece, '"}\n'),
      ]),
  },
}

export const splitCasesOf = (kinds: readonly Kind[]) =>
  fc
    .record({
      kind: fc.constantFrom(...kinds),
      secret: keys,
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 4 }),
      escapes: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      crlf: fc.boolean(),
    })
    .map(({ kind, secret, cuts, escapes, crlf }) => {
      const { key } = secret
      const bounds = [...new Set(cuts.map((cut) => cut % key.length).filter((cut) => cut > 0))].sort(
        (a, b) => a - b,
      )
      const ends = [...bounds, key.length]
      const pieces = ends.map((end, nth) => key.slice(nth === 0 ? 0 : ends[nth - 1], end))
      const shape = SHAPES[kind]
      const texts = [
        { text: 'Your key is ', piece: false, escaped: false },
        ...pieces.map((text, nth) => ({ text, piece: true, escaped: escapes[nth] === true })),
        { text: ' done.', piece: false, escaped: false },
      ]
      return {
        kind,
        contentType: shape.contentType,
        direction: shape.direction,
        key,
        value: secret.value,
        records: shape.records(texts, crlf),
      }
    })

export const splitCases = splitCasesOf(KINDS)

export const bodyOf = (records: Segment[][]): string =>
  records.flatMap((segments) => segments.map((segment) => segment.raw)).join('')

/** The body with its pieces cut as redaction cuts them: the first shows `[redacted]`. */
export function redactedBodyOf(records: Segment[][]): string {
  let first = true
  return records
    .flatMap((segments) =>
      segments.map((segment) => {
        if (!segment.piece) return segment.raw
        const out = first ? '[redacted]' : ''
        first = false
        return out
      }),
    )
    .join('')
}

/** The text a client assembles from the body, decoded as the client decodes it. */
export function assembledText(kind: Kind, body: string): string {
  const lines = body.split(/\r?\n/)
  const json = (text: string): unknown => {
    try {
      return JSON.parse(text)
    } catch {
      return undefined
    }
  }
  switch (kind) {
    case 'text-lines':
      return lines.join('')
    case 'ai-data-stream':
      return lines
        .filter((line) => line.startsWith('0:'))
        .map((line) => json(line.slice(2)))
        .join('')
    case 'request-ndjson':
      return lines.map((line) => (json(line) as { note?: string } | undefined)?.note ?? '').join('')
    case 'sse-events':
    case 'sse-cut':
    case 'sse-repeated-field':
    case 'sse-untyped':
      return lines
        .filter((line) => line.startsWith('data: '))
        .map(
          (line) =>
            (json(line.slice(6)) as { choices?: { delta: { content: string } }[] })?.choices?.[0]?.delta
              .content ?? '',
        )
        .join('')
    default:
      return lines
        .map((line) => (json(line) as { message?: { content: string } } | undefined)?.message?.content ?? '')
        .join('')
  }
}

/** A recording file of one interaction whose request or response body is the case's stream. */
export function recordingOfCase(one: Omit<SplitCase, 'id'>, url: string, testId: string): RecordingFile {
  const bytes = Buffer.from(bodyOf(one.records))
  const request = { method: 'POST', url, endpoint: new URL(url).pathname, headers: {} }
  const interaction: Interaction =
    one.direction === 'request'
      ? {
          request: { ...request, ...encodeRequestBody(bytes, one.contentType) },
          response: { status: 200, headers: {}, is_streaming: false },
          id_normalization_mapping: {},
        }
      : {
          request,
          response: {
            status: 200,
            headers: {},
            is_streaming: true,
            ...encodeResponseBody(bytes, one.contentType),
          },
          id_normalization_mapping: {},
        }
  return { format: FORMAT_V1, test_id: testId, interactions: [interaction] }
}

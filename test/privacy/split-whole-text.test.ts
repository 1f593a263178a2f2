/**
 * A credential split across the records of a streamed body stored as one text, generated over
 * every way such a body is stored whole (whole-text-streams.ts): the printed file never holds the
 * key nor lets a client assemble it, and every byte that is no part of it is kept. The reader of
 * records is held to JSON.parse on generated JSON written with generated escapes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeResponseBody, responseChunks } from '../../src/format/body-codec.js'
import { parseRecordingText, printRecording } from '../../src/format/file-text.js'
import {
  FORMAT_V1,
  type Interaction,
  type RecordingFile,
  type StoredResponse,
} from '../../src/format/format.js'
import { redactRecording } from '../../src/privacy/redact-recording.js'
import { secretMatcherOf } from '../../src/privacy/secret-encodings.js'
import { redactSplitText } from '../../src/privacy/split-text.js'
import { textRecordsOf } from '../../src/privacy/text-records.js'
import { formsOf } from './leak-cases.js'
import {
  assembledText,
  EVENT_KINDS,
  KINDS,
  recordingOfCase,
  redactedBodyOf,
  type SplitCase,
  splitCases,
  splitCasesOf,
} from './whole-text-streams.js'

const SEED = 20261203
const RUNS = 900

const recordingOf = (one: Omit<SplitCase, 'id'>): RecordingFile =>
  recordingOfCase(one, 'http://127.0.0.1:1/v1/x', 'split whole text > generated')

const bodyIn = (file: RecordingFile, direction: 'request' | 'response') => {
  const interaction = file.interactions[0] as Interaction
  const part = direction === 'request' ? interaction.request : interaction.response
  if (!part) throw new Error('the recording has no response')
  return part
}

describe(`split secrets in a stream stored as one text (${RUNS} generated cases, ${KINDS.length} kinds, seed ${SEED})`, () => {
  it('no form of the key is printed, none is assembled, every other byte is kept', () => {
    const kinds = new Map<string, number>()
    let escapedCut = 0
    fc.assert(
      fc.property(splitCases, (one) => {
        const file = recordingOf(one)
        const stored = bodyIn(file, one.direction)
        expect(stored.body_encoding, one.kind).toBe('text')
        kinds.set(one.kind, (kinds.get(one.kind) ?? 0) + 1)
        if (one.records.some((record) => record.some((s) => s.piece && s.raw.startsWith('\\u00'))))
          escapedCut++
        const printed = printRecording(redactRecording(file, one.value ? [one.key] : []).file)
        for (const form of formsOf(one.key)) expect(printed).not.toContain(form)
        const body = bodyIn(parseRecordingText(printed, 'split.json'), one.direction).body as string
        expect(assembledText(one.kind, body)).not.toContain(one.key)
        expect(assembledText(one.kind, body)).toContain('Your key is [redacted] done.')
        expect(body).toBe(redactedBodyOf(one.records))
      }),
      { seed: SEED, numRuns: RUNS },
    )
    for (const kind of KINDS) expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(RUNS / KINDS.length / 2)
    // A piece that starts with an escape (`ghp` | `\u005f…`): the split falls inside an escape's reach.
    expect(escapedCut).toBeGreaterThan(RUNS / 20)
  })

  it('the same streams stored as events: the key is cut whole, a first piece that matches alone too', () => {
    fc.assert(
      fc.property(splitCasesOf(EVENT_KINDS), (one) => {
        const file = recordingOf(one)
        expect(file.interactions[0]?.response?.body_encoding).toBe(
          one.kind === 'sse-events' ? 'sse' : 'ndjson',
        )
        const safe = redactRecording(file, one.value ? [one.key] : []).file
        const replayed = Buffer.concat(
          responseChunks(safe.interactions[0]?.response as StoredResponse),
        ).toString()
        expect(assembledText(one.kind, replayed)).toBe('Your key is [redacted] done.')
      }),
      { seed: SEED, numRuns: 300 },
    )
  })

  it('Ollama’s `done:false` chunks, the split at `\\u005f`, a key over text/plain line breaks', () => {
    const none = { matcher: secretMatcherOf([]), found: new Set<string>() }
    const key = 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'
    const chunk = (content: string, done: boolean) =>
      `{"model":"qwen3","created_at":"2026-12-01T20:00:00.5Z","message":{"role":"assistant","content":"${content}"},"done":${done}}\n`
    const ollama = [
      chunk('\\u003cthink\\u003e', false),
      chunk('key: ghp', false),
      chunk('\\u005fa1B2c3D4e5F6g7H8', false),
      chunk('i9J0k1L2m3N4o5P6q7R8', false),
      chunk(' ok', false),
      chunk('', true),
    ].join('')
    expect(redactSplitText(ollama, none)).toBe(
      [
        chunk('\\u003cthink\\u003e', false),
        chunk('key: [redacted]', false),
        chunk('', false),
        chunk('', false),
        chunk(' ok', false),
        chunk('', true),
      ].join(''),
    )
    const lines = `Your key is ${key.slice(0, 10)}\r\n${key.slice(10, 25)}\r\n${key.slice(25)}\r\n done\r\n`
    expect(redactSplitText(lines, none)).toBe('Your key is [redacted]\r\n\r\n\r\n done\r\n')
  })

  it('text without a key is returned as it came, whatever its lines hold', () => {
    const none = { matcher: secretMatcherOf(['Zq7_notInTheseTextsAtAll12345']), found: new Set<string>() }
    const lines = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      fc.jsonValue({ maxDepth: 2 }).map((value) => `data: ${JSON.stringify(value)}`),
      fc.string({ maxLength: 20 }).map((text) => `0:${JSON.stringify(text)}`),
      fc.constantFrom(
        'event: x',
        'id: 1',
        ': ping',
        '{"a":1.0,"b":"\\u00e9"}',
        '{"__proto__":{"x":"y"},"a":"b","a":"c"}',
      ),
    )
    fc.assert(
      fc.property(fc.array(lines, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (all, end) => {
        const text = all.join(end)
        expect(redactSplitText(text, none)).toBe(text)
      }),
      { seed: SEED, numRuns: 400 },
    )
  })

  it('a JSON array of chunks (Gemini without `alt=sse`) is a stream: stored as JSON, the key cut', () => {
    const key = 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW'
    const chunk = (text: string) =>
      `{\r\n  "candidates": [\r\n    {\r\n      "content": {\r\n        "parts": [{ "text": ${JSON.stringify(text)} }],\r\n        "role": "model"\r\n      },\r\n      "index": 0\r\n    }\r\n  ],\r\n  "modelVersion": "gemini-2.5-flash"\r\n}`
    const texts = ['The key: ', key.slice(0, 12), key.slice(12, 30), key.slice(30), ' ends here.']
    const bytes = Buffer.from(`[${texts.map(chunk).join(',\r\n')}]`)
    const response = encodeResponseBody(bytes, 'application/json; charset=UTF-8')
    expect(response.body_encoding).toBe('json')
    const file: RecordingFile = {
      format: FORMAT_V1,
      test_id: 'gemini array',
      interactions: [
        {
          request: {
            method: 'POST',
            url: 'http://127.0.0.1:1/v1beta/models/g:streamGenerateContent',
            endpoint: '/',
            headers: {},
          },
          response: { status: 200, headers: {}, is_streaming: false, ...response },
          id_normalization_mapping: {},
        },
      ],
    }
    const chunks = redactRecording(file, []).file.interactions[0]?.response?.body as {
      candidates: { content: { parts: { text: string }[] } }[]
    }[]
    expect(chunks.map((c) => c.candidates[0]?.content.parts[0]?.text).join('')).toBe(
      'The key: [redacted] ends here.',
    )
  })

  it('a line nested deeper than any place is stepped over, not recursed into (a hostile body)', () => {
    const none = { matcher: secretMatcherOf([]), found: new Set<string>() }
    const key = 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'
    const deep = `${'['.repeat(20_000)}"x"${']'.repeat(20_000)}`
    const text = `${deep}\n{"c":"${key.slice(0, 9)}"}\n{"c":"${key.slice(9)}"}\n`
    expect(redactSplitText(text, none)).toBe(`${deep}\n{"c":"[redacted]"}\n{"c":""}\n`)
  })

  it('each string read from a text is JSON.parse’s, and its literal decodes to it', () => {
    const escapeSome = (json: string, picks: boolean[]) => {
      let n = 0
      // Inside strings only: an escape is what a server may write for any character there.
      return json.replace(/"(?:[^"\\]|\\.)*"/g, (literal) =>
        literal.replace(/\\u[0-9a-fA-F]{4}|\\.|[A-Za-z_-]/g, (c) =>
          c.length === 1 && picks[n++ % picks.length]
            ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
            : c,
        ),
      )
    }
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 4 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
        (values, picks) => {
          const lines = values.map((value) => escapeSome(JSON.stringify(value, null, 0), picks))
          const text = `${lines.join('\n')}\n`
          const read = textRecordsOf(text)
          if (lines.length === 1 && /^[[{]/.test(lines[0] as string)) {
            const parsed = JSON.parse(lines[0] as string)
            expect(
              Array.isArray(parsed) ? read.records : (read.records[0] as { json: unknown }).json,
            ).toEqual(parsed)
          }
          checkLiterals(text, read)
        },
      ),
      { seed: SEED, numRuns: 400 },
    )
  })
})

/** Every string of every record decodes from the characters its literal names. */
function checkLiterals(text: string, read: ReturnType<typeof textRecordsOf>): void {
  const visit = (value: unknown) => {
    if (typeof value !== 'object' || value === null) return
    const literals = read.literals.get(value)
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string') {
        const literal = literals?.get(Array.isArray(value) ? Number(key) : key)
        expect(literal, `literal of ${key}`).toBeDefined()
        const raw = text.slice(literal?.start, literal?.end)
        expect(literal?.escaped ? JSON.parse(`"${raw}"`) : raw).toBe(item)
      } else visit(item)
    }
  }
  visit(read.records)
}

/**
 * The write path's shortcuts keep what they skip: redaction copies on write (the stored
 * interaction it was given is never edited, a retry prints the same file again), and printing a
 * parsed event from the remembered compact text is JSON.stringify of it. Generated inputs.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeResponseBody } from '../../src/format/body-codec.js'
import { printRecording } from '../../src/format/file-text.js'
import { FORMAT_V1, type RecordingFile } from '../../src/format/format.js'
import { printLines } from '../../src/format/json-text.js'
import { redactRecording, redactUrl } from '../../src/privacy/redact-recording.js'
import { secretMatcherOf } from '../../src/privacy/secret-encodings.js'

const SEED = 20261201
const RUNS = 300
const KEY = 'sk-proj-Zq3vXk9LmN2pR7tY4wB8cD1fG6hJ'

const names = fc.constantFrom(
  'id',
  'content',
  'api_key',
  'password',
  'a.b',
  '__proto__',
  '0',
  '7',
  'delta',
  'text',
)
const texts = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('gpt-4o-mini', 'chatcmpl-abc123', KEY, `Bearer ${KEY}`, 'sk-', 'hello world'),
)
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    texts,
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(names, tie('json'), { maxKeys: 4, noNullPrototype: true }),
  ),
}))
const objects = fc.dictionary(names, json, { maxKeys: 4, noNullPrototype: true })

/** A stream of generated events, sometimes carrying the key cut into consecutive deltas. */
const streams = fc
  .tuple(fc.array(objects, { maxLength: 5 }), fc.integer({ min: 0, max: 6 }))
  .map(([events, cuts]) => {
    const pieces = cuts === 0 ? [] : KEY.match(new RegExp(`.{1,${Math.ceil(KEY.length / cuts)}}`, 'g'))
    const split = (pieces ?? []).map((content) => ({ choices: [{ delta: { content } }] }))
    return [...events, ...split].map((event) => `data: ${JSON.stringify(event)}\n\n`).join('')
  })

function recordingOf(stream: string, body: unknown): RecordingFile {
  const response = encodeResponseBody(Buffer.from(stream), 'text/event-stream')
  return {
    format: FORMAT_V1,
    test_id: 'write path > generated',
    interactions: [
      {
        request: {
          method: 'POST',
          url: 'http://127.0.0.1:1/v1/chat',
          endpoint: '/v1/chat',
          headers: {},
          body_encoding: 'json',
          body,
        },
        response: { status: 200, headers: {}, is_streaming: true, ...response },
        id_normalization_mapping: {},
      },
    ],
  }
}

describe(`write path (${RUNS} generated cases each, seed ${SEED})`, () => {
  it('redaction leaves the recording it was given as it was, and the key never reaches the text', () => {
    let cut = 0
    fc.assert(
      fc.property(streams, json, (stream, body) => {
        const file = recordingOf(stream, body)
        const before = JSON.stringify(file)
        const safe = redactRecording(file, [])
        expect(JSON.stringify(file)).toBe(before)
        const text = printRecording(safe.file)
        expect(printRecording(safe.file)).toBe(text)
        expect(text).not.toContain(KEY)
        if (stream.includes('"delta"') && safe.found.has(KEY)) cut++
      }),
      { seed: SEED, numRuns: RUNS },
    )
    expect(cut).toBeGreaterThan(0)
  })

  it('prints the events and lines of a parsed stream as JSON.stringify does, field names of any kind', () => {
    const fields = fc.constantFrom('event', 'id', 'retry', '7', '0', 'x', 'data')
    const sse = fc.array(
      fc.tuple(
        fields,
        fc.oneof(
          texts,
          objects.map((value) => JSON.stringify(value)),
        ),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    )
    let parsed = 0
    fc.assert(
      fc.property(fc.array(sse, { maxLength: 4 }), objects, (events, line) => {
        const stream = events
          .map((fieldsOf) => `${fieldsOf.map(([f, v]) => `${f}: ${v}\n`).join('')}\n`)
          .join('')
        const ndjson = `${JSON.stringify(line)}\n${JSON.stringify([line])}\n`
        for (const [bytes, type] of [
          [stream, 'text/event-stream'],
          [ndjson, 'application/x-ndjson'],
        ] as const) {
          const { body } = encodeResponseBody(Buffer.from(bytes), type)
          if (!Array.isArray(body)) continue
          parsed++
          expect(printLines(body)).toEqual(body.map((item) => JSON.stringify(item)))
        }
      }),
      { seed: SEED, numRuns: RUNS },
    )
    expect(parsed).toBeGreaterThan(RUNS)
  })
})

describe('a credential encoded in a URL path', () => {
  it('leaves a URL that parses, without any form of the credential, wherever the form stands', () => {
    let cases = 0
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{20,40}$/),
        fc.constantFrom('base64', 'base64url', 'hex'),
        fc.constantFrom('', '/x', '/v1/', '?q=1', '/x?key=1#f'),
        fc.constantFrom('', '/v1'),
        (secret, encoding, after, before) => {
          const form = Buffer.from(secret).toString(encoding as BufferEncoding)
          const url = `https://api.example.test${before}/${form}${after}`
          const found = new Set<string>()
          const out = redactUrl(url, { matcher: secretMatcherOf([secret]), found, extra: new Set() })
          expect(() => new URL(out)).not.toThrow()
          expect(new URL(out).origin).toBe('https://api.example.test')
          expect(out).not.toContain(form)
          expect(found.has(secret)).toBe(true)
          cases++
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
    expect(cases).toBe(RUNS)
  })
})

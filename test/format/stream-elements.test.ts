/**
 * The shortcuts of the record path for streamed bodies (SSE events, NDJSON lines) decide as the
 * plain way does, on generated inputs: the check of all the elements at once against checking
 * each alone; a place that repeats one string in every event, searched on a few copies of it,
 * still finds a secret that only the assembled text holds; a streamed body printed in one piece
 * lays out as the file printed with one placeholder per element.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeResponseBody } from '../../src/format/body-codec.js'
import { printRecording } from '../../src/format/file-text.js'
import { FORMAT_V1, type RecordingFile } from '../../src/format/format.js'
import { parseJsonElementsUpToWhitespace, parseJsonUpToWhitespace } from '../../src/format/json-text.js'
import { redactRecording } from '../../src/privacy/redact-recording.js'

const SEED = 20261211
const RUNS = 300

/** Texts a parser tells apart from their print, or that only make JSON when joined. */
const odd = fc.constantFrom(
  '[1],[2',
  '[1],[[2]',
  '[3]]',
  '{"a":[1',
  '2]}',
  '{"a":1},{"b":2}',
  '[DONE]',
  '{"a":1.0}',
  '{"2":1,"1":2}',
  '{"a":1,"a":2}',
  '{"a":1} ',
  ' {"a":1}',
  '{"a": 1}',
  '{"n":12345678901234567890}',
  '{"a":"\\u00e9"}',
  '"text"',
  '7',
)
const compact = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value))
const elements = fc.array(fc.oneof({ weight: 8, arbitrary: compact }, { weight: 1, arbitrary: odd }), {
  maxLength: 12,
})

function streamFile(bodies: { body: unknown; encoding: 'sse' | 'ndjson' }[], vector: boolean): RecordingFile {
  return {
    format: FORMAT_V1,
    test_id: 'stream elements > generated',
    interactions: bodies.map(({ body, encoding }) => ({
      request: {
        method: 'POST',
        url: 'http://127.0.0.1:1/v1/chat',
        endpoint: '/v1/chat',
        headers: {},
        body_encoding: 'json',
        body: vector ? { input: 'x', embedding: [0.5, 1, 2] } : { input: 'x' },
      },
      response: { status: 200, headers: {}, is_streaming: true, body_encoding: encoding, body },
      id_normalization_mapping: {},
    })),
  }
}

/** The layout by definition: every element a placeholder of its own, the rest JSON.stringify's. */
function printedElementByElement(file: RecordingFile): string {
  const lines: string[] = []
  const interactions = file.interactions.map((interaction) => {
    const body = interaction.response?.body as unknown[]
    const tokens = body.map((item) => `@@line-${lines.push(JSON.stringify(item)) - 1}@@`)
    return { ...interaction, response: { ...interaction.response, body: tokens } }
  })
  const numbers = (_key: string, value: unknown) =>
    Array.isArray(value) && value.length > 1 && value.every((n) => typeof n === 'number')
      ? `@@line-${lines.push(JSON.stringify(value)) - 1}@@`
      : value
  const text = JSON.stringify({ ...file, interactions }, numbers, 2)
  return `${text.replace(/"@@line-(\d+)@@"/g, (_token, n) => lines[Number(n)] as string)}\n`
}

describe(`streamed bodies on the record path (${RUNS} generated cases each, seed ${SEED})`, () => {
  it('checks the elements of a stream at once exactly as one by one', () => {
    let together = 0
    fc.assert(
      fc.property(elements, (texts) => {
        const alone = texts.map(parseJsonUpToWhitespace)
        expect(parseJsonElementsUpToWhitespace(texts)).toEqual(alone)
        if (texts.length > 1 && alone.every((parsed, i) => parsed.ok && parsed.compact === texts[i]))
          together++
      }),
      { seed: SEED, numRuns: RUNS },
    )
    expect(together).toBeGreaterThan(RUNS / 10)
  })

  it('finds a secret that only the copies of a repeated string make together', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9]{1,6}$/),
        fc.integer({ min: 2, max: 40 }),
        fc.nat(),
        fc.integer({ min: 8, max: 40 }),
        (piece, copies, from, length) => {
          const joined = piece.repeat(copies)
          const start = from % piece.length
          const secret = joined.slice(start, start + length)
          fc.pre(secret.length === length && !piece.includes(secret))
          const stream = Array.from({ length: copies }, () => `data: {"id":"${piece}","n":1}\n\n`).join('')
          const file = streamFile(
            [{ body: encodeResponseBody(Buffer.from(stream), 'text/event-stream').body, encoding: 'sse' }],
            false,
          )
          const safe = redactRecording(file, [secret])
          const events = safe.file.interactions[0]?.response?.body as { data: { id: string } }[]
          const ids = events.map((event) => event.data.id)
          expect(ids.join('')).not.toContain(secret)
          expect(safe.found.has(secret)).toBe(true)
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('prints a streamed body in one piece as element by element, with and without arrays of numbers', () => {
    const body = fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 })
    const bodies = fc.array(
      fc.record({ body, encoding: fc.constantFrom<'sse' | 'ndjson'>('sse', 'ndjson') }),
      { minLength: 1, maxLength: 3 },
    )
    fc.assert(
      fc.property(bodies, fc.boolean(), (generated, vector) => {
        const file = streamFile(generated, vector)
        expect(printRecording(file)).toBe(printedElementByElement(file))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})

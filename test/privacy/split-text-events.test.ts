/**
 * A credential split across the deltas of a stream whose events are stored as text (their JSON
 * does not print back exactly: `1.0` from Python, `\/` from PHP, `\u00e9`), with 1 to 3 choices
 * interleaved, the key in one of them. Generated: the printed file never lets the key be joined
 * back from the stored deltas, and every event that held no piece keeps its exact text.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeResponseBody } from '../../src/format/body-codec.js'
import { parseRecordingText, printRecording } from '../../src/format/file-text.js'
import { FORMAT_V1, type RecordingFile } from '../../src/format/format.js'
import { printSseEvent, type SseEvent } from '../../src/format/sse.js'
import { redactRecording } from '../../src/privacy/redact-recording.js'

const SEED = 20261202
const RUNS = 400

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const run = (chars: string, length: number) =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: length, maxLength: length })

/**
 * Each secret, and whether it is a value of this run (found by value, not by format). Each
 * holds a digit and a letter, as the formats require of a real key (`sk-proj-AAAA…` is no key).
 */
const secrets = fc.oneof(
  run(ALNUM, 38).map((body) => ({ secret: `sk-proj-a1${body}`, value: false })),
  run(ALNUM, 38).map((body) => ({ secret: `sk-ant-api03-a1${body}`, value: false })),
  run(ALNUM, 34).map((body) => ({ secret: `ghp_a1${body}`, value: false })),
  run(UPPER, 14).map((body) => ({ secret: `AKIA7Q${body}`, value: false })),
  run(ALNUM, 28).map((body) => ({ secret: `Zq7${body}`, value: true })),
)

/** What makes an event text-stored, or nothing. */
const marks = fc.constantFrom('none', 'float', 'slash', 'unicode', 'escaped')
type Mark = 'none' | 'float' | 'slash' | 'unicode' | 'escaped'

/** One SSE event as the server wrote it, its content literal spelled by the mark. */
function eventText(choice: number, content: string, mark: Mark): string {
  const literal =
    mark === 'escaped'
      ? JSON.stringify(content).replace(/[_-]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)
      : JSON.stringify(content)
  const object = mark === 'slash' ? 'chat\\/completion' : 'chat.completion.chunk'
  const name = mark === 'unicode' ? ',"name":"caf\\u00e9"' : ''
  const float = mark === 'float' ? ',"temperature":1.0' : ''
  return `data: {"id":"chatcmpl-AbC12","object":"${object}"${name},"choices":[{"index":${choice},"delta":{"content":${literal}},"logprobs":null${float}}]}\n\n`
}

interface Delta {
  choice: number
  content: string
  piece: boolean
}

const streams = fc
  .record({
    secret: secrets,
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 5 }),
    choices: fc.integer({ min: 1, max: 3 }),
    target: fc.nat(),
    fillers: fc.array(fc.constantFrom(' Hello', ' world', '.', ' The answer', ' is 42'), { maxLength: 4 }),
    order: fc.array(fc.nat(), { maxLength: 40 }),
    marks: fc.array(marks, { minLength: 40, maxLength: 40 }),
  })
  .map(({ secret, cuts, choices, target, fillers, order, marks }) => {
    const at = [...new Set(cuts.map((cut) => cut % secret.secret.length).filter((cut) => cut > 0))]
    const bounds = [0, ...at.sort((a, b) => a - b), secret.secret.length]
    const pieces = bounds.slice(1).map((end, nth) => secret.secret.slice(bounds[nth], end))
    const keyChoice = target % choices
    const queues: Delta[][] = []
    for (let choice = 0; choice < choices; choice++) {
      const texts = choice === keyChoice ? ['Your key is ', ...pieces, ' done'] : ['Sure', ...fillers]
      queues.push(
        texts.map((content, nth) => ({
          choice,
          content,
          piece: choice === keyChoice && nth > 0 && nth <= pieces.length,
        })),
      )
    }
    const deltas: Delta[] = []
    for (const pick of order) {
      const queue = queues[pick % choices] as Delta[]
      const next = queue.shift()
      if (next) deltas.push(next)
    }
    for (const queue of queues) deltas.push(...queue)
    const texts = deltas.map((delta, nth) => eventText(delta.choice, delta.content, marks[nth % 40] as Mark))
    return { ...secret, pieces, keyChoice, deltas, texts }
  })

function recordingOf(stream: string): RecordingFile {
  const response = encodeResponseBody(Buffer.from(stream), 'text/event-stream')
  return {
    format: FORMAT_V1,
    test_id: 'split text events > generated',
    interactions: [
      {
        request: { method: 'POST', url: 'http://127.0.0.1:1/v1/chat', endpoint: '/v1/chat', headers: {} },
        response: { status: 200, headers: {}, is_streaming: true, ...response },
        id_normalization_mapping: {},
      },
    ],
  }
}

/** The text each choice assembles from the stored events, decoded as a client decodes them. */
function assembled(events: SseEvent[]): Map<number, string> {
  const texts = new Map<number, string>()
  for (const event of events) {
    if (event.data === '[DONE]') continue
    const data = (typeof event.data === 'string' ? JSON.parse(event.data) : event.data) as {
      choices: { index: number; delta: { content: string } }[]
    }
    for (const { index, delta } of data.choices) texts.set(index, (texts.get(index) ?? '') + delta.content)
  }
  return texts
}

describe(`split secrets in text-stored events (${RUNS} generated cases, seed ${SEED})`, () => {
  it('no stored choice assembles the key, and events without a piece keep their bytes', () => {
    let textStored = 0
    let interleaved = 0
    fc.assert(
      fc.property(streams, ({ secret, value, pieces, keyChoice, deltas, texts }) => {
        const file = recordingOf(`${texts.join('')}data: [DONE]\n\n`)
        const events = file.interactions[0]?.response?.body as SseEvent[]
        if (events.some((event) => typeof event.data === 'string' && event.data !== '[DONE]')) textStored++
        if (new Set(deltas.map((delta) => delta.choice)).size > 1) interleaved++
        const safe = redactRecording(file, value ? [secret] : [])
        const printed = printRecording(safe.file)
        expect(printed).not.toContain(secret)
        const stored = parseRecordingText(printed, 'split.json').interactions[0]?.response?.body as SseEvent[]
        const joined = assembled(stored)
        expect(joined.get(keyChoice)).not.toContain(secret)
        expect(joined.get(keyChoice)).toContain('[redacted]')
        if (pieces.length > 1) expect([...joined.values()].join('')).not.toContain(secret)
        deltas.forEach((delta, nth) => {
          if (!delta.piece) expect(printSseEvent(stored[nth] as SseEvent)).toBe(texts[nth])
        })
      }),
      { seed: SEED, numRuns: RUNS },
    )
    expect(textStored).toBeGreaterThan(RUNS / 2)
    expect(interleaved).toBeGreaterThan(RUNS / 4)
  })

  it('the tester’s stream: a key split in a stream of `1.0` events is cut, the rest kept', () => {
    const key = 'sk-proj-Qw3rTy7UiOp9AsDfGh2JkLzXcVbNm4Qw3rTy7UiOp9AsDfGh2Jk'
    const contents = [
      'Your key is sk-pr',
      'oj-Qw3rTy7UiOp9AsDfGh2Jk',
      'LzXcVbNm4Qw3rTy7UiOp9AsDfGh2Jk',
      ' done',
    ]
    const texts = contents.map((content) => eventText(0, content, 'float'))
    const safe = redactRecording(recordingOf(texts.join('')), [key])
    const stored = safe.file.interactions[0]?.response?.body as SseEvent[]
    expect(assembled(stored).get(0)).toBe('Your key is [redacted] done')
    expect(printSseEvent(stored[3] as SseEvent)).toBe(texts[3])
    expect(printRecording(safe.file)).not.toContain('LzXcVbNm4Qw3rTy7')
  })

  it('a token written with `\\u005f` in a text-stored event is redacted', () => {
    const token = `ghp${'\\u005f'}${'a1B2c3D4e5'.repeat(4)}`
    const text = `data: {"v":1.0,"content":"token ${token}"}\n\ndata: {"v":1.0,"content":" ok"}\n\n`
    const safe = redactRecording(recordingOf(text), [])
    const printed = printRecording(safe.file)
    expect(printed).not.toContain('a1B2c3D4e5a1B2c3D4e5')
    const stored = safe.file.interactions[0]?.response?.body as SseEvent[]
    expect(stored[0]?.data).toEqual({ v: 1, content: 'token [redacted]' })
    expect(printSseEvent(stored[1] as SseEvent)).toBe('data: {"v":1.0,"content":" ok"}\n\n')
  })

  it('a token the assembled text continues in the next event is cut to where it ends there', () => {
    // The client reads `ghp_…ok` as one token: a first piece that matches alone cannot be told
    // from a key split after its first characters, and a tail left on disk would be a leak.
    const token = `ghp_${'a1B2c3D4e5'.repeat(4)}`
    const text = `data: {"content":"token ${token}"}\n\ndata: {"content":"ok then"}\n\n`
    const stored = redactRecording(recordingOf(text), []).file.interactions[0]?.response?.body as SseEvent[]
    expect(stored.map((event) => (event.data as { content: string }).content)).toEqual([
      'token [redacted]',
      ' then',
    ])
  })
})

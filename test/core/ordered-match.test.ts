/**
 * A request replayed in recorded order is matched by comparing it with the next unused stored
 * request instead of keying every stored request (Recording.match, sameStoredRequest). That
 * shortcut must never change what matches: generated requests (credentials in headers, query
 * parameters, named body fields and token formats; JSON, form and text bodies) hold it to the
 * two facts it rests on, and generated sequences of stored and live requests are matched with
 * and without it, answer by answer. A JSON body sent as text is also compared as sent, before
 * being put in stored form (sameAsSent): real fetch requests replayed by a recorder with both
 * shortcuts and by one with neither (an identity normalizeRequest) get the same answers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { RecordingError } from '../../src/errors.js'
import { printRecording } from '../../src/format/file-text.js'
import { FORMAT_V1, type Interaction, type StoredRequest } from '../../src/format/format.js'
import { credentialsOfRequest } from '../../src/privacy/credential-sources.js'
import { Recording } from '../../src/recording/recording.js'
import {
  KeyedRequest,
  type KeyRules,
  type LiveRequest,
  requestKey,
  storedRequestKey,
  storedRequestOf,
} from '../../src/recording/request-key.js'
import { sameStoredRequest } from '../../src/recording/same-request.js'
import { session, TEST_FILE, tempDir } from '../support/core-helpers.js'

const SEED = 20261201
const dir = mkdtempSync(join(tmpdir(), 'fr-ordered-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const token = fc.oneof(
  fc.stringMatching(/^sk-proj-[A-Za-z0-9]{24}7a$/),
  fc.stringMatching(/^ghp_[A-Za-z0-9]{36}$/),
  fc.stringMatching(/^AKIA[A-Z0-9]{16}$/),
)
const word = fc.constantFrom('hello', 'gpt-4o', 'user', 'assistant', 'the answer', '', '42', 'null')
const text = fc.oneof(
  word,
  token,
  fc.string({ maxLength: 12 }),
  token.map((t) => `key ${t} inside`),
)
const fieldName = fc.constantFrom(
  'content',
  'role',
  'api_key',
  'password',
  'model',
  'x',
  'client_secret',
  'n',
)
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fieldName, tie('value'), { maxKeys: 4 }),
  ),
})).value

const path = fc.constantFrom('/v1/chat', '/v1/x', '/bot123456:AAHk9a2b3c4d5e6f7g8h9i0jKLMNOPQRSTU/getMe')
const query = fc.constantFrom(
  '',
  '?a=1',
  '?b=2&a=1',
  '?key=AIzaSyA1234567890abcdefghijklmnopqrstu',
  '?api_key=x1',
)
const liveRequest: fc.Arbitrary<LiveRequest> = fc
  .record({
    method: fc.constantFrom('POST', 'GET', 'post'),
    path,
    query,
    auth: fc.option(token, { nil: undefined }),
    body: fc.oneof(
      json.map((value) => ({ type: 'application/json', bytes: JSON.stringify(value) ?? 'null' })),
      fc.array(fc.tuple(fieldName, text), { maxLength: 4 }).map((pairs) => ({
        type: 'application/x-www-form-urlencoded',
        bytes: new URLSearchParams(pairs).toString(),
      })),
      text.map((value) => ({ type: 'text/plain', bytes: value })),
    ),
  })
  .map(({ method, path, query, auth, body }) => ({
    method,
    url: new URL(`https://api.example.test${path}${query}`),
    headers: { 'content-type': body.type, ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: Buffer.from(body.bytes),
  }))

const RULES: KeyRules = { matchHeaders: [], secretParams: new Set() }

function liveForm(live: LiveRequest, rules: KeyRules = RULES): KeyedRequest {
  const carried = credentialsOfRequest(live.headers, live.url, rules.secretParams)
  const found = new Set<string>()
  return new KeyedRequest(storedRequestOf(live, rules, carried, found), [...found], rules.matchHeaders)
}

describe('matching in recorded order', () => {
  it('a stored form, keyed as a stored request, has the key of the live request it came from', () => {
    fc.assert(
      fc.property(liveRequest, (live) => {
        const keyed = liveForm(live)
        // What a file holds is that form after a JSON round trip.
        const stored = JSON.parse(JSON.stringify(keyed.request)) as StoredRequest
        expect(storedRequestKey(stored, RULES)).toBe(keyed.key)
      }),
      { seed: SEED, numRuns: 600 },
    )
  })

  it('two requests the comparison calls the same have one key', () => {
    const edited = (request: StoredRequest, edit: number, live: LiveRequest): StoredRequest => {
      const copy = JSON.parse(JSON.stringify(request)) as StoredRequest
      if (edit === 1) copy.method = copy.method.toLowerCase()
      if (edit === 2) copy.body = reorderKeys(copy.body)
      if (edit === 3) copy.url = `${copy.url}${copy.url.includes('?') ? '&' : '?'}z=1`
      if (edit === 4) copy.body = { wrapped: copy.body ?? null }
      if (edit === 5) copy.headers = { ...copy.headers, 'x-other': live.method }
      return copy
    }
    let same = 0
    fc.assert(
      fc.property(liveRequest, fc.integer({ min: 0, max: 5 }), (live, edit) => {
        const keyed = liveForm(live)
        const stored = edited(keyed.request, edit, live)
        if (sameStoredRequest(keyed.request, stored, [])) {
          same++
          expect(storedRequestKey(stored, RULES)).toBe(keyed.key)
        }
      }),
      { seed: SEED + 1, numRuns: 600 },
    )
    expect(same).toBeGreaterThan(200)
  })

  it('matches every generated sequence exactly as matching by key alone does', () => {
    let file = 0
    fc.assert(
      fc.property(
        fc.array(liveRequest, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        (recorded, order, allowRepeats) => {
          // The live sequence: recorded requests picked by `order` (repeats, gaps, any order).
          const live =
            order.length === 0 ? recorded : order.map((i) => recorded[i % recorded.length] as LiveRequest)
          const path = join(dir, `f${file++}.json`)
          writeFileSync(
            path,
            printRecording({ format: FORMAT_V1, test_id: 't', interactions: interactionsOf(recorded) }),
          )
          const answers = (ordered: boolean) => {
            const recording = recordingAt(path, ordered, allowRepeats)
            recording.beginAttempt()
            return live.map((request) => answerOf(recording.match(liveForm(request))))
          }
          expect(answers(true)).toEqual(answers(false))
        },
      ),
      { seed: SEED + 2, numRuns: 300 },
    )
  })
})

function interactionsOf(recorded: readonly LiveRequest[]): Interaction[] {
  return recorded.map((live, position) => ({
    request: liveForm(live).request,
    response: {
      status: 200,
      headers: {},
      is_streaming: false,
      body_encoding: 'text',
      body: `answer ${position}`,
    },
    id_normalization_mapping: {},
  }))
}

function recordingAt(path: string, ordered: boolean, allowRepeats: boolean): Recording {
  return new Recording(
    path,
    't',
    { testFile: 'f.test.ts', testName: 't' },
    {
      mode: 'replay',
      matchHeaders: [],
      allowRepeats,
      keepFailed: false,
      keyOf: (request) => storedRequestKey(request, RULES),
      sameRequest: ordered ? (live, stored) => sameStoredRequest(live, stored, []) : undefined,
      sanitize: (file) => ({ file, found: new Set() }),
      shown: (text) => text,
    },
  )
}

function answerOf(answer: Interaction | RecordingError): string {
  return answer instanceof RecordingError ? answer.code : String(answer.response?.body)
}

function reorderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorderKeys)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reorderKeys(v)]),
  )
}

it('keeps requestKey the key of a stored form (the function both sides share)', () => {
  const keyed = liveForm({
    method: 'POST',
    url: new URL('https://api.example.test/v1/chat?b=2&a=1'),
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"b":1,"a":[1,2]}'),
  })
  expect(keyed.key).toBe(requestKey(keyed.request, []))
  expect(keyed.key).toBe('POST https://api.example.test/v1/chat?a=1&b=2\n{}\njson:{"a":[1,2],"b":1}')
})

/** A JSON request as an SDK sends it: text body, maybe a bearer credential also in the body. */
const sentRequest = fc
  .record({
    path,
    query: fc.constantFrom('', '?a=1', '?api_key=x1', '?b=2&a=1'),
    json,
    method: fc.constantFrom('POST', 'PUT', 'PATCH'),
    type: fc.constantFrom('application/json', 'application/vnd.api+json', 'text/plain'),
    // A known token format, or an opaque key only its place (the header) says is one.
    auth: fc.option(fc.oneof(token, fc.stringMatching(/^[A-Za-z0-9]{20}x7Q$/)), { nil: undefined }),
    echo: fc.boolean(),
  })
  .map(({ path, query, json, method, type, auth, echo }) => ({
    method,
    url: `http://127.0.0.1:59${path}${query}`,
    headers: { 'content-type': type, ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    // The carried credential inside the body too (a key echoed into a prompt).
    text: JSON.stringify(echo && auth ? { json, auth } : json) ?? 'null',
  }))

type Sent = { method: string; url: string; headers: Record<string, string>; text: string }

/** The file a recorder would hold for these requests, or one edited by hand (bodies as sent). */
function fileOf(recorded: readonly Sent[], asSent: readonly boolean[]): string {
  const interactions = recorded.map((sent, position) => {
    const live = {
      method: sent.method,
      url: new URL(sent.url),
      headers: sent.headers,
      body: Buffer.from(sent.text),
    }
    const request = liveForm(live).request
    if (asSent[position] && request.body_encoding === 'json') request.body = JSON.parse(sent.text)
    return {
      request,
      response: {
        status: 200,
        headers: {},
        is_streaming: false,
        body_encoding: 'text' as const,
        body: `answer ${position}`,
      },
      id_normalization_mapping: {},
    }
  })
  // The test id of session()'s default test, which reads this file.
  return printRecording({ format: FORMAT_V1, test_id: `${TEST_FILE} > suite > case`, interactions })
}

async function answersOf(
  text: string,
  sequence: readonly Sent[],
  reference: boolean,
  mode: 'replay' | 'new',
): Promise<string[]> {
  const dir = tempDir('fr-ordered-e2e-')
  const file = join(dir, 'recording.json')
  writeFileSync(file, text)
  const { result } = await session(
    dir,
    mode,
    async () => {
      const answers: string[] = []
      for (const sent of sequence) {
        // In `new` mode a miss goes to the network: nothing listens there, the fetch fails.
        const res = await fetch(sent.url, {
          method: sent.method,
          headers: sent.headers,
          body: sent.text,
        }).catch(() => undefined)
        answers.push(res ? `${res.status} ${res.status === 200 ? await res.text() : ''}` : 'network error')
      }
      return answers
    },
    {
      resolveRecordingPath: () => file,
      normalizeIds: false,
      ...(reference ? { normalizeRequest: (request: StoredRequest) => request } : {}),
    },
  )
  return result ?? []
}

describe('matching a JSON body as sent', () => {
  it.each([
    ['replay', 120],
    ['new', 60],
  ] as const)(
    'answers every generated sequence as matching by key alone does (real fetch, %s mode)',
    async (mode, runs) => {
      let hits = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(sentRequest, { minLength: 1, maxLength: 5 }),
          fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
          fc.array(fc.tuple(fc.nat(), fc.nat({ max: 4 })), { maxLength: 7 }),
          async (recorded, asSent, order) => {
            // Picks of the recorded requests (repeats, gaps, any order), now and then with
            // another method: the same URL and body must still not match.
            const sequence =
              order.length === 0
                ? recorded
                : order.map(([i, m]) => {
                    const sent = recorded[i % recorded.length] as Sent
                    return m === 0 ? { ...sent, method: sent.method === 'PUT' ? 'POST' : 'PUT' } : sent
                  })
            const text = fileOf(recorded, asSent)
            const fast = await answersOf(text, sequence, false, mode)
            expect(fast).toEqual(await answersOf(text, sequence, true, mode))
            hits += fast.filter((answer) => answer.startsWith('200')).length
          },
        ),
        { seed: SEED + 3, numRuns: runs },
      )
      expect(hits).toBeGreaterThan(runs)
    },
    120_000,
  )
})

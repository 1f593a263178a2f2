/**
 * Hand edits a recording cannot be replayed with, generated with fast-check: statuses (a 1xx is
 * never a final answer, nothing past 599 is HTTP) and content codings left on a body that is
 * stored decoded; a body that is not base64 under `base64`, JSON text pasted as a string under
 * `json`, a file copied from another test. Each fails at load with RECORDING_INVALID_FORMAT
 * naming the file and the field, and the file stays as it is; what can be replayed loads.
 */

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateSync,
} from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordingError } from '../../src/errors.js'
import { defaultRecordingPath } from '../../src/files/paths.js'
import { validateRecordingFile } from '../../src/format/format.js'
import { chat, fileVersion, postJson, session, TEST_FILE, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

const SEED = 20261201
const FILE = '/project/__recordings__/chat.test.ts/asks.json'
const ENCODE = { gzip: gzipSync, 'x-gzip': gzipSync, deflate: deflateSync, br: brotliCompressSync }
const DECODE = { gzip: gunzipSync, 'x-gzip': gunzipSync, deflate: inflateSync, br: brotliDecompressSync }

/** Whether zlib reads the bytes as that coding (a few short texts are valid brotli streams). */
function decodes(coding: keyof typeof DECODE, bytes: Buffer): boolean {
  try {
    DECODE[coding](bytes)
    return true
  } catch {
    return false
  }
}

function recordingWith(response: Record<string, unknown>) {
  return {
    format: 'fetch-recordings/1',
    test_id: 'chat.test.ts > asks',
    interactions: [
      {
        request: {
          method: 'GET',
          url: 'https://api.example.com/v1/models',
          endpoint: '/v1/models',
          headers: {},
        },
        response: { status: 200, headers: {}, is_streaming: false, ...response },
        id_normalization_mapping: {},
      },
    ],
  }
}

function loadError(response: Record<string, unknown>): RecordingError | undefined {
  try {
    validateRecordingFile(recordingWith(response), FILE)
    return undefined
  } catch (error) {
    return error as RecordingError
  }
}

describe('hand-edited responses', () => {
  it(`every 1xx status and every one past 599 is refused, naming the field; 2xx-5xx load (400 cases, seed ${SEED})`, () => {
    const runs = { refused: 0, loaded: 0 }
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 999 }), (status) => {
        const error = loadError({ status })
        if (status < 200 || status > 599) {
          runs.refused++
          expect(error?.code).toBe('RECORDING_INVALID_FORMAT')
          expect(error?.message).toContain(`${FILE}: interactions[0].response.status is`)
          expect(error?.message).toContain(String(status))
        } else {
          runs.loaded++
          expect(error).toBeUndefined()
        }
      }),
      { seed: SEED, numRuns: 400 },
    )
    expect(runs.refused).toBeGreaterThan(0)
    expect(runs.loaded).toBeGreaterThan(0)
  })

  it('a body that is not base64 under body_encoding base64 is refused, naming the field (a list: the piece)', () => {
    const error = loadError({ body_encoding: 'base64', body: '!!!not base64***' })
    expect(error?.code).toBe('RECORDING_INVALID_FORMAT')
    expect(error?.message).toContain(`${FILE}: interactions[0].response.body is not base64`)
    expect(error?.message).toContain('body_encoding "text"')
    const pieces = loadError({ body_encoding: 'base64', is_streaming: true, body: ['aGk=', 'no way'] })
    expect(pieces?.message).toContain('interactions[0].response.body[1] is not base64')
    expect(
      loadError({ body_encoding: 'base64', body: Buffer.from('hi there').toString('base64') }),
    ).toBeUndefined()
    expect(loadError({ body_encoding: 'base64', body: 'aGkgdGhlcmU' })).toBeUndefined()
  })

  it('JSON text pasted as a string under body_encoding json is refused; a JSON string value loads', () => {
    const error = loadError({ body_encoding: 'json', body: '{"id": "chatcmpl-1", "choices": []}' })
    expect(error?.code).toBe('RECORDING_INVALID_FORMAT')
    expect(error?.message).toContain(`${FILE}: interactions[0].response.body is a string holding JSON text`)
    expect(error?.message).toContain('Put the parsed JSON there')
    expect(loadError({ body_encoding: 'json', body: 'just a string' })).toBeUndefined()
    expect(loadError({ body_encoding: 'json', body: '[not json' })).toBeUndefined()
  })

  it(`a content-encoding that does not decode the stored body is refused; one that does loads (300 cases, seed ${SEED})`, () => {
    const codings = fc.constantFrom(...(Object.keys(ENCODE) as (keyof typeof ENCODE)[]))
    const spelled = fc.constantFrom('content-encoding', 'Content-Encoding')
    let refused = 0
    fc.assert(
      fc.property(codings, spelled, fc.string({ minLength: 1, maxLength: 200 }), (coding, name, text) => {
        const error = loadError({ headers: { [name]: coding }, body_encoding: 'text', body: text })
        if (decodes(coding, Buffer.from(text))) {
          expect(error).toBeUndefined()
        } else {
          refused++
          expect(error?.code).toBe('RECORDING_INVALID_FORMAT')
          expect(error?.message).toContain(`${FILE}: interactions[0].response.headers.${name} is "${coding}"`)
        }
        const encoded = ENCODE[coding](Buffer.from(text)).toString('base64')
        expect(
          loadError({ headers: { [name]: coding }, body_encoding: 'base64', body: encoded }),
        ).toBeUndefined()
      }),
      { seed: SEED, numRuns: 300 },
    )
    expect(refused).toBeGreaterThan(250)
  })

  it('codings it cannot check (zstd, identity) and bodiless answers load', () => {
    expect(
      loadError({ headers: { 'content-encoding': 'zstd' }, body_encoding: 'text', body: 'x' }),
    ).toBeUndefined()
    expect(
      loadError({ headers: { 'content-encoding': 'identity' }, body_encoding: 'text', body: 'x' }),
    ).toBeUndefined()
    expect(loadError({ status: 204, headers: { 'content-encoding': 'gzip' } })).toBeUndefined()
  })
})

describe("a recording file holding another test's recording", () => {
  let api: FakeApi
  beforeAll(async () => {
    api = await startFakeApi()
  })
  afterAll(() => api.close())

  it('fails the test that reads it, naming the file, test_id and the fix, and is left as it is (replay and new)', async () => {
    const dir = tempDir()
    const ask = (content: string) => () => postJson(`${api.url}/v1/chat/completions`, chat(content))
    const a = await session(dir, 'new', ask('from a'), { testName: 'suite > a' })
    expect(a.error).toBeUndefined()
    // Copied over the recording of test b, by hand.
    const b = defaultRecordingPath({ testFile: join(dir, TEST_FILE), testName: 'suite > b' })
    writeFileSync(b, readFileSync(a.path))
    const before = fileVersion(b)
    const requests = api.requests.length
    for (const mode of ['replay', 'new'] as const) {
      const run = await session(dir, mode, ask('from a'), { testName: 'suite > b' })
      expect(run.error?.code).toBe('RECORDING_INVALID_FORMAT')
      expect(run.error?.message).toContain(`${b}: "test_id" is "${TEST_FILE} > suite > a"`)
      expect(run.error?.message).toContain(`set "test_id" to "${TEST_FILE} > suite > b"`)
      expect(fileVersion(b)).toBe(before)
    }
    expect(api.requests.length).toBe(requests)
    // Its own test still replays it.
    expect((await session(dir, 'replay', ask('from a'), { testName: 'suite > a' })).error).toBeUndefined()
  })
})

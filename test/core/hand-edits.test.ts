/**
 * Hand edits a recording cannot be replayed with, generated with fast-check: statuses (a 1xx is
 * never a final answer) and content codings left on a body that is stored decoded. Each fails
 * at load with RECORDING_INVALID_FORMAT naming the file and the field; what can be replayed loads.
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateSync,
} from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RecordingError } from '../../src/errors.js'
import { validateRecordingFile } from '../../src/format/format.js'

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
  it(`every 1xx status is refused, naming the field; 2xx-5xx load (300 cases, seed ${SEED})`, () => {
    const runs = { refused: 0, loaded: 0 }
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
        const error = loadError({ status })
        if (status < 200) {
          runs.refused++
          expect(error?.code).toBe('RECORDING_INVALID_FORMAT')
          expect(error?.message).toContain(`${FILE}: interactions[0].response.status is ${status}`)
        } else {
          runs.loaded++
          expect(error).toBeUndefined()
        }
      }),
      { seed: SEED, numRuns: 300 },
    )
    expect(runs.refused).toBeGreaterThan(0)
    expect(runs.loaded).toBeGreaterThan(0)
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

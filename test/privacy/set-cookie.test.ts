/**
 * `set-cookie` answers: stored one line per cookie, each cookie's name and attributes kept and
 * its value redacted only when it could be a credential (the `couldBeCredential` judgement of
 * the ambiguous `cookie` name), `Expires` stored as one fixed date; replayed as separate
 * headers, through fetch (`getSetCookie()`) and node:http (axios' `set-cookie` array).
 */
import axios from 'axios'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { couldBeCredential } from '../../src/privacy/credential-values.js'
import { REDACTED } from '../../src/privacy/placeholder.js'
import { redactSetCookie } from '../../src/privacy/set-cookie.js'
import { STORED_COOKIE_EXPIRY } from '../../src/recording/response-store.js'
import { fileVersion, readRecording, session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

const SEED = 20261206

let api: FakeApi
beforeAll(async () => {
  api = await startFakeApi()
})
afterAll(() => api.close())

const viaFetch = async () => (await fetch(`${api.url}/session`)).headers.getSetCookie()
const viaAxios = async () => (await axios.get(`${api.url}/session`)).headers['set-cookie'] as string[]

describe('set-cookie', () => {
  for (const [client, call] of [
    ['fetch', viaFetch],
    ['axios (node:http)', viaAxios],
  ] as const) {
    it(`${client}: stored per cookie with credentials redacted, replayed as separate headers`, async () => {
      const dir = tempDir()
      const recorded = await session(dir, 'new', call)
      expect(recorded.thrown).toBeUndefined()
      const live = recorded.result ?? []
      expect(live).toHaveLength(3)
      const session_ = live[0]?.split(';')[0]?.split('=')[1] ?? ''
      const stored = readRecording(recorded.path).interactions[0]?.response.headers['set-cookie']
      expect(stored).toEqual([
        `session=${REDACTED}; Path=/; HttpOnly; Secure; SameSite=Lax`,
        `__cf_bm=${REDACTED}; path=/; expires=${STORED_COOKIE_EXPIRY}; domain=.example.test; HttpOnly; Secure; SameSite=None`,
        'theme=dark; Path=/; Max-Age=31536000',
      ])
      expect(JSON.stringify(readRecording(recorded.path))).not.toContain(session_)
      expect(recorded.outcome.redactions).toBe(2)

      const replayed = await session(dir, 'replay', call)
      expect(replayed.error).toBeUndefined()
      expect(replayed.result).toEqual(stored)

      // A re-record mints another session and another expiry: the file does not change.
      const before = fileVersion(recorded.path)
      const again = await session(dir, 'update', call)
      expect(again.outcome.change).toBe('none')
      expect(fileVersion(recorded.path)).toBe(before)
    })
  }

  it(`a cookie keeps its name and attributes; its value goes only when it could be a credential (500 cases, seed ${SEED})`, () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_\-.~+/=%]{1,40}$/)
    const word = fc.stringMatching(/^[a-z]{1,12}(?:[-_.][a-z]{1,8})?$/)
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,15}$/)
    const attributes = fc.subarray(['; Path=/', '; HttpOnly', '; Secure', '; SameSite=Lax', '; Max-Age=60'])
    const counts = { redacted: 0, kept: 0 }
    fc.assert(
      fc.property(name, fc.oneof(token, word), attributes, (cookie, value, attrs) => {
        const tail = attrs.join('')
        const found = new Set<string>()
        const out = redactSetCookie(`${cookie}=${value}${tail}`, found)
        if (couldBeCredential(value)) {
          counts.redacted++
          expect(out).toBe(`${cookie}=${REDACTED}${tail}`)
          expect([...found]).toEqual([value])
        } else {
          counts.kept++
          expect(out).toBe(`${cookie}=${value}${tail}`)
          expect(found.size).toBe(0)
        }
      }),
      { seed: SEED, numRuns: 500 },
    )
    expect(counts.redacted).toBeGreaterThan(50)
    expect(counts.kept).toBeGreaterThan(50)
  })
})

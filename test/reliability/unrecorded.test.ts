/**
 * Nothing that went out while recording vanishes in silence. A response whose body never
 * reaches its content-length (a 204/205/304 that carries one, a HEAD) is whole once its headers
 * are in: it is recorded and replayed with its content-length. A request of which nothing can
 * be stored (the connection failed before or after the headers) is named in the outcome,
 * hence in the summary, even when the test caught the error and passed. An informational 103
 * before the answer is no part of it (Node 24 and 26 hung on it).
 * Before: a 304 with `content-length: 5000` passed with `0 written`, and replay missed.
 */
import axios from 'axios'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildRunReport } from '../../src/report/report.js'
import { formatSummary } from '../../src/report/summary.js'
import { readRecording, session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

let api: FakeApi
beforeAll(async () => {
  api = await startFakeApi({ randomIds: false })
})
afterAll(async () => {
  await api?.close()
})

interface Seen {
  status: number
  etag: string | null
  length: string | null
}

const viaFetch =
  (path: string, method = 'GET') =>
  async (): Promise<Seen> => {
    const response = await fetch(`${api.url}${path}`, { method, headers: { 'if-none-match': '"abc"' } })
    return {
      status: response.status,
      etag: response.headers.get('etag'),
      length: response.headers.get('content-length'),
    }
  }

const viaAxios = (path: string) => async (): Promise<Seen> => {
  const response = await axios.get(`${api.url}${path}`, { validateStatus: () => true })
  const header = (name: string) => (response.headers[name] as string | undefined) ?? null
  return { status: response.status, etag: header('etag'), length: header('content-length') }
}

describe('responses whose body never reaches their content-length are recorded whole', () => {
  const cases: Array<[string, () => Promise<Seen>, number]> = [
    ['304 through fetch', viaFetch('/framing/bodiless-304'), 304],
    ['204 through fetch', viaFetch('/framing/bodiless-204'), 204],
    ['205 through fetch', viaFetch('/framing/bodiless-205'), 205],
    ['HEAD through fetch', viaFetch('/framing/head', 'HEAD'), 200],
    ['304 through axios (node:http)', viaAxios('/framing/bodiless-304'), 304],
  ]
  for (const [name, call, status] of cases) {
    it(name, async () => {
      const dir = tempDir()
      const recorded = await session(dir, 'new', call)
      expect(recorded.thrown).toBeUndefined()
      expect(recorded.result).toMatchObject({ status, etag: '"abc"' })
      expect(recorded.outcome).toMatchObject({ recorded: 1, change: 'created' })
      expect(recorded.outcome.unrecorded).toBeUndefined()
      const [stored] = readRecording(recorded.path).interactions
      expect(stored?.response.status).toBe(status)
      expect(stored?.response.headers['content-length']).toBe('5000')
      const replayed = await session(dir, 'replay', call)
      expect(replayed.error).toBeUndefined()
      expect(replayed.result).toEqual(recorded.result)
    })
  }

  // Node 24 and 26 (their fetch paused the upstream on the 103 for good): the record run hung.
  const earlyHints: Array<[string, () => Promise<unknown>]> = [
    ['fetch', async () => (await fetch(`${api.url}/framing/early-hints`)).json()],
    ['axios', async () => (await axios.get(`${api.url}/framing/early-hints`)).data],
  ]
  for (const [client, call] of earlyHints) {
    it(`an informational 103 before the answer (${client}): the answer is recorded`, async () => {
      const dir = tempDir()
      const recorded = await session(dir, 'new', call)
      expect(recorded.result).toEqual({ after: 'early hints' })
      expect(recorded.outcome).toMatchObject({ recorded: 1, change: 'created' })
      expect(readRecording(recorded.path).interactions[0]?.response.status).toBe(200)
      expect((await session(dir, 'replay', call)).result).toEqual({ after: 'early hints' })
    })
  }
})

describe('a request of which nothing could be stored is named, never dropped in silence', () => {
  it('a body cut short of its content-length, read by a test that catches the failure', async () => {
    const dir = tempDir()
    // The body is held for id normalization, so the failure may reach fetch before the headers.
    const recorded = await session(dir, 'new', () =>
      fetch(`${api.url}/framing/short-body`)
        .then((response) => response.text())
        .catch((error: Error) => `caught ${error.name}`),
    )
    expect(recorded.thrown).toBeUndefined()
    expect(recorded.result).toMatch(/^caught /)
    expect(recorded.outcome.change).toBe('none')
    expect(recorded.outcome.unrecorded).toEqual([
      { request: `GET ${api.url}/framing/short-body`, reason: expect.stringMatching(/\w/) },
    ])
  })

  it('a connection closed before the headers, swallowed: named in the outcome and the summary', async () => {
    const dir = tempDir()
    const recorded = await session(dir, 'new', () =>
      fetch(`${api.url}/fault/close-before-headers`).catch(() => 'swallowed'),
    )
    expect(recorded.result).toBe('swallowed')
    const [lost] = recorded.outcome.unrecorded ?? []
    expect(lost?.request).toBe(`GET ${api.url}/fault/close-before-headers`)
    expect(lost?.reason).toMatch(/other side closed|socket|closed/i)
    const report = buildRunReport({
      mode: 'new',
      files: [
        {
          testFile: recorded.outcome.testFile,
          tests: [{ name: 'suite > case', state: 'passed' }],
          filtered: false,
          collectFailed: false,
        },
      ],
      outcomes: [recorded.outcome],
      fullRun: false,
      roots: [dir],
      customLayout: false,
    })
    const summary = formatSummary(report, {
      rootDir: dir,
      updateCommand: 'u',
      pruneCommand: 'p',
      color: false,
    })
    expect(summary).toContain(`not recorded GET ${api.url}/fault/close-before-headers of "suite > case": `)
    expect(summary).toContain(
      '1 request(s) reached the API while recording, but nothing of them could be stored',
    )
  })
})

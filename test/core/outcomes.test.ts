import { createServer } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { readRecording, session, tempDir } from '../support/core-helpers.js'

let base: string
const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ url: req.url }))
  })
})
beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => server.close())

const get = (path: string) => async () => (await fetch(`${base}${path}`)).json()

describe('stale entries', () => {
  it('in replay, a passed test that no longer makes a request has all its entries stale (as in new)', async () => {
    const dir = tempDir()
    await session(dir, 'new', get('/one'))
    const replayed = await session(dir, 'replay', async () => 'no request')
    expect(replayed.outcome.staleEntries).toBe(1)
    const inNew = await session(dir, 'new', async () => 'no request')
    expect(inNew.outcome.staleEntries).toBe(1)
    const failed = await session(dir, 'replay', async () => 'no request', { status: 'failed' })
    expect(failed.outcome.staleEntries).toBe(0)
  })
})

describe('rules changed after recording', () => {
  it('normalizeRequest applies to recordings made before it existed', async () => {
    const dir = tempDir()
    const post = (sentAt: number) => async () =>
      (
        await fetch(`${base}/q`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ q: 'hi', sent_at: sentAt }),
        })
      ).json()
    await session(dir, 'new', post(1))
    const normalizeRequest = (request: any) => {
      delete request.body.sent_at
      return request
    }
    const replayed = await session(dir, 'replay', post(2), { normalizeRequest })
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toEqual({ url: '/q' })
    // The hook got a copy: the stored request is unchanged.
    const stored = readRecording(replayed.path).interactions[0]?.request.body as
      | { sent_at?: number }
      | undefined
    expect(stored?.sent_at).toBe(1)
  })

  it('a newly declared secret parameter applies to recordings made before it', async () => {
    const dir = tempDir()
    await session(dir, 'new', get('/q?sig2=abc'))
    const replayed = await session(dir, 'replay', get('/q?sig2=xyz'), { secretParams: ['sig2'] })
    expect(replayed.error).toBeUndefined()
  })
})

describe('test names', () => {
  it('two tests of one file with the same name fail clearly instead of sharing a recording', async () => {
    const dir = tempDir()
    const recorder = createRecorder({ mode: 'update', rootDir: dir, env: {}, argv: [] }).install()
    try {
      const identity = { testFile: join(dir, 'dup.test.ts'), testName: 'dup' }
      const first = recorder.startTest(identity)
      await first.run(get('/a'))
      first.finish({ status: 'passed' })
      expect(() => recorder.startTest(identity)).toThrow(/DUPLICATE|same name|are named "dup"/)
      // A retry (after a failure) is not a namesake.
      const other = { testFile: join(dir, 'dup.test.ts'), testName: 'flaky' }
      recorder.startTest(other).finish({ status: 'failed' })
      expect(() => recorder.startTest(other)).not.toThrow()
    } finally {
      await recorder.dispose()
    }
  })
  it('two names that differ only in a credential fail as one name, and the message holds no credential', async () => {
    const dir = tempDir()
    const keys = ['svc-9fQ2xLr7Tb4Wm8Kd1Zp6', 'svc-3hH7pQw2Zx8Lm4Nb6Rt1']
    const env = { A_SERVICE_TOKEN: keys[0], B_SERVICE_TOKEN: keys[1] }
    const recorder = createRecorder({ mode: 'update', rootDir: dir, env, argv: [] }).install()
    try {
      const testFile = join(dir, 'keyed.test.ts')
      const first = recorder.startTest({ testFile, testName: `uses ${keys[0]}` }, {})
      await first.run(get('/a'))
      first.finish({ status: 'passed' })
      const second = () => recorder.startTest({ testFile, testName: `uses ${keys[1]}` }, {})
      expect(second).toThrow(/differ only in a credential.*"uses \[redacted\]"/)
      expect(second).not.toThrow(new RegExp(`${keys[0]}|${keys[1]}`))
    } finally {
      await recorder.dispose()
    }
  })
})

describe('query parameters and passthrough', () => {
  it('parameters named like data (author, page_token, max_tokens, session_id) take part in matching', async () => {
    const dir = tempDir()
    const query = (author: string) =>
      `/posts?author=${author}&page_token=p-${author}&max_tokens=10&session_id=s`
    await session(dir, 'new', async () => [await get(query('alice'))(), await get(query('bobby-bob'))()])
    const replayed = await session(dir, 'replay', get(query('bobby-bob')))
    expect(replayed.result).toEqual({ url: query('bobby-bob') })
    const stored = readRecording(replayed.path).interactions.map((i) => new URL(i.request.url).search)
    expect(stored).toEqual([`?${query('alice').split('?')[1]}`, `?${query('bobby-bob').split('?')[1]}`])
  })

  it('passthrough requests reach their server from outside any test', async () => {
    const dir = tempDir()
    const recorder = createRecorder({
      mode: 'replay',
      rootDir: dir,
      env: {},
      argv: [],
      passthrough: [base],
    }).install()
    try {
      expect(await get('/outside')()).toEqual({ url: '/outside' })
    } finally {
      await recorder.dispose()
    }
  })
})

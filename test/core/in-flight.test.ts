/**
 * Requests that outlive their test (recording/in-flight.ts): a fire-and-forget request whose
 * answer comes after the test's end is waited for and recorded whole; one that never comes
 * fails the test by name once `settleTimeout` passed; a request made for a finished test (a
 * promise it left behind, released during the next test) fails, naming both tests, and is
 * recorded nowhere. The server holds its answers until the test says so: no timing involved.
 */
import { createServer, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder, type RecorderOptions } from '../../src/index.js'
import { readRecording, tempDir } from '../support/core-helpers.js'

const held: ServerResponse[] = []
let served = 0
const server = createServer((req, res) => {
  served++
  if (req.url?.startsWith('/held')) {
    held.push(res)
    return
  }
  if (req.url === '/stream') {
    // Far more than a client buffers: it stops reading long before the end.
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (let i = 0; i < 5000; i++) res.write(`data: {"i":${i},"pad":"${'x'.repeat(200)}"}\n\n`)
    res.end('data: [DONE]\n\n')
    return
  }
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ answered: req.url }))
})
let base: string

/** Answers every held request (headers and body) as `{"answered":"/held"}`. */
function releaseHeld(): void {
  for (const res of held.splice(0)) {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ answered: '/held' }))
  }
}

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  releaseHeld()
  await new Promise((resolve) => server.close(resolve))
})

function recorderIn(dir: string, options: RecorderOptions = {}) {
  return createRecorder({ mode: 'new', env: {}, argv: [], rootDir: dir, ...options }).install()
}

describe('requests still in flight when their test ends', () => {
  it('a fire-and-forget request answered after the end is waited for and recorded whole', async () => {
    const dir = tempDir()
    // settle() starts before the request reached the server: on a busy machine that alone can
    // take longer than the default 5 s. The test's timeout is the guard against a hang.
    const recorder = recorderIn(dir, { settleTimeout: 600_000 })
    try {
      const run = recorder.startTest({ testFile: join(dir, 'a.test.ts'), testName: 'fire and forget' })
      let answer: Promise<unknown> | undefined
      run.run(() => {
        answer = fetch(`${base}/held`).then((response) => response.json())
      })
      // The test function is done; its request has no headers yet.
      const settled = run.settle()
      await until(() => held.length === 1)
      releaseHeld()
      await settled
      expect(await answer).toEqual({ answered: '/held' })
      const outcome = run.finish({ status: run.error() ? 'failed' : 'passed' })
      expect(run.error()).toBeUndefined()
      expect(outcome).toMatchObject({ recorded: 1, change: 'created' })
      const [interaction] = readRecording(outcome.path).interactions
      expect(interaction?.response).toMatchObject({ status: 200, body: { answered: '/held' } })
      expect(interaction?.response.truncated).toBeUndefined()
    } finally {
      await recorder.dispose()
    }
  })

  it('one still unanswered at settleTimeout fails the test, naming the request', async () => {
    const dir = tempDir()
    const recorder = recorderIn(dir, { settleTimeout: 100 })
    try {
      const run = recorder.startTest({ testFile: join(dir, 'a.test.ts'), testName: 'never answered' })
      run.run(() => {
        fetch(`${base}/held?api_key=sk-secret-in-query-0001`).catch(() => undefined)
      })
      await until(() => held.length === 1)
      await run.settle()
      const error = run.error()
      expect(error?.code).toBe('REQUEST_OUTLIVED_TEST')
      expect(error?.message).toContain(`GET ${base}/held`)
      expect(error?.message).toContain('test: a.test.ts > never answered')
      expect(error?.message).not.toContain('sk-secret-in-query-0001')
      expect(run.finish({ status: 'failed' })).toMatchObject({ recorded: 0 })
    } finally {
      releaseHeld()
      await recorder.dispose()
    }
  })

  it('a body the client stopped reading is not waited for: stored as far as it got, truncated', async () => {
    const dir = tempDir()
    // Were this waited for, the test would hit its own timeout long before this bound.
    const recorder = recorderIn(dir, { settleTimeout: 600_000 })
    try {
      const run = recorder.startTest({ testFile: join(dir, 'a.test.ts'), testName: 'status only' })
      const response = await run.run(() => fetch(`${base}/stream`))
      expect(response.status).toBe(200)
      await run.settle()
      const outcome = run.finish({ status: 'passed' })
      expect(run.error()).toBeUndefined()
      expect(readRecording(outcome.path).interactions[0]?.response.truncated).toBe(true)
      await response.body?.cancel()
    } finally {
      await recorder.dispose()
    }
  })
})

describe('a request made for a test that has finished', () => {
  it('fails, naming the request and both tests, and is recorded in neither', async () => {
    const dir = tempDir()
    const recorder = recorderIn(dir)
    const testFile = join(dir, 'a.test.ts')
    try {
      recorder.startFile(testFile)
      let release: () => void = () => undefined
      let late: Promise<unknown> | undefined
      const b = recorder.startTest({ testFile, testName: 'B' })
      await b.run(async () => {
        // A timer B starts and never waits for: its callback runs in B's async context.
        const trigger = new Promise<void>((resolve) => {
          release = resolve
        })
        setTimeout(() => {
          late = trigger
            .then(() => fetch(`${base}/late`))
            .then(
              () => 'answered',
              (error: Error) => error.cause,
            )
        }, 0)
        await (await fetch(`${base}/b`)).json()
      })
      await until(() => late !== undefined)
      await b.settle()
      const outcomeB = b.finish({ status: 'passed' })

      const c = recorder.startTest({ testFile, testName: 'C' })
      const lateError = await c.run(async () => {
        release()
        return late
      })
      await c.settle()
      const error = c.error()
      expect(lateError).toBe(error)
      expect(error?.code).toBe('REQUEST_AFTER_TEST_END')
      expect(error?.message).toContain(`request: GET ${base}/late`)
      expect(error?.message).toContain('from test: a.test.ts > B')
      expect(error?.message).toContain('arrived during: a.test.ts > C')
      const outcomeC = c.finish({ status: 'failed' })
      expect(outcomeB.recorded).toBe(1)
      expect(outcomeC.recorded).toBe(0)
      expect(readRecording(outcomeB.path).interactions).toHaveLength(1)
      expect(served).toBeGreaterThan(0)
      recorder.finishFile(testFile)
    } finally {
      await recorder.dispose()
    }
  })
})

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve))
}

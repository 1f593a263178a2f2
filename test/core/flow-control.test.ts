/**
 * Flow control and failure paths: pause/resume, abort, cancel, truncated recordings, network
 * failures while recording, and installing/uninstalling the global dispatcher.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterEach, describe, expect, it } from 'vitest'
import { createRecorder, type RecordingError } from '../../src/index.js'
import {
  chat,
  readChunks,
  readRecording,
  recordingErrorOf,
  recordingFiles,
  session,
  sseEvents,
  tempDir,
} from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

const SLOTS = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')]

const apis: FakeApi[] = []
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()))
})

async function fakeApi(): Promise<FakeApi> {
  const api = await startFakeApi()
  apis.push(api)
  return api
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function streamRequest(api: FakeApi, nEvents: number, init: RequestInit = {}): Promise<Response> {
  return fetch(`${api.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(chat('flow', { stream: true, n_events: nEvents })),
    ...init,
  })
}

/** Records `times` identical streams of `nEvents` + 2 events, stops the server: the folder replays them. */
async function recordedStream(nEvents: number, times = 1) {
  const dir = tempDir()
  const api = await fakeApi()
  const recorded = await session(dir, 'new', async () => {
    let text = ''
    for (let i = 0; i < times; i++) text = (await readChunks(await streamRequest(api, nEvents))).text
    return text
  })
  expect(recorded.outcome.recorded).toBe(times)
  await api.close()
  return { dir, api, text: recorded.result as string }
}

/**
 * A hang detector, not a speed limit: generous, because 2 shared cores can stall a healthy
 * request for seconds, and a real hang never ends at all.
 */
const HANG_MS = 20_000

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} hung for ${ms} ms`)), ms)),
  ])
}

describe('replay flow control', () => {
  it('a slow reader gets every event, in order', async () => {
    const { dir, api, text } = await recordedStream(40)
    const replayed = await session(dir, 'replay', async () => {
      const reader = (await streamRequest(api, 40)).body!.getReader()
      const chunks: string[] = []
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return chunks
        chunks.push(Buffer.from(value).toString())
        if (chunks.length % 5 === 0) await sleep(5)
      }
    })
    expect(replayed.error).toBeUndefined()
    // While the reader sleeps, fetch's own buffer joins what arrived (as it does with a socket).
    expect(replayed.result!.join('')).toBe(text)
    expect(replayed.result!.length).toBeGreaterThan(5)
    expect(sseEvents(text)).toHaveLength(42)
  })

  it('honours pause/resume of a new-API handler: no data while paused', async () => {
    const { dir, api, text } = await recordedStream(20)
    const replayed = await session(dir, 'replay', () => {
      const dispatcher = (globalThis as any)[SLOTS[0] as symbol]
      return new Promise<{ chunks: string[]; violations: number; ends: number }>((resolve, reject) => {
        const chunks: string[] = []
        let paused = false
        let violations = 0
        let ends = 0
        const pauseFor = (controller: any, ms: number) => {
          paused = true
          controller.pause()
          setTimeout(() => {
            paused = false
            controller.resume()
          }, ms)
        }
        dispatcher.dispatch(
          {
            origin: api.url,
            path: '/v1/chat/completions',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(chat('flow', { stream: true, n_events: 20 })),
          },
          {
            onRequestStart() {},
            onResponseStart(controller: any, status: number) {
              expect(status).toBe(200)
              pauseFor(controller, 30)
            },
            onResponseData(controller: any, chunk: Buffer) {
              if (paused) violations++
              chunks.push(chunk.toString())
              if (chunks.length % 4 === 0) pauseFor(controller, 3)
            },
            onResponseEnd() {
              if (paused) violations++
              ends++
              setTimeout(() => resolve({ chunks, violations, ends }), 20)
            },
            onResponseError(_controller: any, error: unknown) {
              reject(error)
            },
          },
        )
      })
    })
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.result!.violations).toBe(0)
    expect(replayed.result!.ends).toBe(1)
    expect(replayed.result!.chunks.join('')).toBe(text)
    expect(replayed.result!.chunks).toHaveLength(22)
  })

  it('honours a legacy handler returning false from onHeaders/onData until resume()', async () => {
    const { dir, api, text } = await recordedStream(10)
    const replayed = await session(dir, 'replay', () => {
      const dispatcher = (globalThis as any)[SLOTS[0] as symbol]
      return new Promise<{ chunks: string[]; violations: number }>((resolve, reject) => {
        const chunks: string[] = []
        let resume: () => void = () => {}
        let paused = false
        let violations = 0
        const later = () =>
          setTimeout(() => {
            paused = false
            resume()
          }, 5)
        dispatcher.dispatch(
          {
            origin: api.url,
            path: '/v1/chat/completions',
            method: 'POST',
            headers: ['content-type', 'application/json'],
            body: Buffer.from(JSON.stringify(chat('flow', { stream: true, n_events: 10 }))),
          },
          {
            onConnect() {},
            onHeaders(_status: number, _headers: Buffer[], resumeFn: () => void) {
              resume = resumeFn
              paused = true
              later()
              return false
            },
            onData(chunk: Buffer) {
              if (paused) violations++
              chunks.push(chunk.toString())
              paused = true
              later()
              return false
            },
            onComplete() {
              resolve({ chunks, violations })
            },
            onError: reject,
          },
        )
      })
    })
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.result!.violations).toBe(0)
    expect(replayed.result!.chunks.join('')).toBe(text)
  })

  it('aborting mid-stream ends cleanly with an AbortError, and the next request works', async () => {
    const { dir, api, text } = await recordedStream(30, 2)
    const replayed = await session(dir, 'replay', async () => {
      const controller = new AbortController()
      const reader = (await streamRequest(api, 30, { signal: controller.signal })).body!.getReader()
      await reader.read()
      await reader.read()
      controller.abort()
      const after = await withTimeout(
        reader.read().then(
          () => 'resolved',
          (error: Error) => error.name,
        ),
        HANG_MS,
        'read after abort',
      )
      const next = await withTimeout(readChunks(await streamRequest(api, 30)), HANG_MS, 'next request')
      return { after, next: next.text }
    })
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.error).toBeUndefined()
    expect(replayed.result?.after).toBe('AbortError')
    expect(replayed.result?.next).toBe(text)
  })

  it('res.body.cancel() then a new request does not hang', async () => {
    const { dir, api, text } = await recordedStream(30, 2)
    const replayed = await session(dir, 'replay', async () => {
      const first = await streamRequest(api, 30)
      const reader = first.body!.getReader()
      await reader.read()
      await withTimeout(reader.cancel(), HANG_MS, 'cancel')
      const second = await withTimeout(streamRequest(api, 30), HANG_MS, 'second request')
      return (await withTimeout(readChunks(second), HANG_MS, 'second body')).text
    })
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.result).toBe(text)
  })
})

describe('record mode: partial reads and network failures', () => {
  it('a client that stops reading early: the rest is drained and stored whole, and replays whole', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const readTwoThenStop = async () => {
      const reader = (await streamRequest(api, 200)).body!.getReader()
      const first = await reader.read()
      const second = await reader.read()
      await reader.cancel()
      return Buffer.concat([first.value!, second.value!]).toString()
    }
    const recorded = await session(dir, 'new', readTwoThenStop)
    expect(recorded.thrown).toBeUndefined()
    expect(recorded.outcome.recorded).toBe(1)
    const { response } = readRecording(recorded.path).interactions[0]!
    expect(response.truncated).toBeUndefined()
    expect(response.body as unknown[]).toHaveLength(202)
    await api.close()

    // The client that stopped early replays as it recorded; one that reads on gets the whole body.
    const partial = await session(dir, 'replay', readTwoThenStop)
    expect(partial.thrown).toBeUndefined()
    expect(partial.error).toBeUndefined()
    const full = await session(dir, 'replay', async () => readChunks(await streamRequest(api, 200)))
    expect(full.thrown).toBeUndefined()
    expect(sseEvents(full.result!.text)).toHaveLength(202)
    // Two reads are two events on replay (while recording, a read may have held more).
    expect(sseEvents(partial.result as string)).toHaveLength(2)
    expect(full.result!.text.startsWith(partial.result as string)).toBe(true)
    expect(full.result!.text.startsWith(recorded.result as string)).toBe(true)
  })

  it('a failure before the headers reaches the test and stores nothing', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const recorded = await session(dir, 'new', () => fetch(`${api.url}/fault/close-before-headers`))
    expect(recorded.thrown).toBeInstanceOf(TypeError)
    expect(recordingErrorOf(recorded.thrown)).toBeUndefined()
    expect(recorded.outcome.recorded).toBe(0)
    expect(recorded.outcome.change).toBe('none')
    expect(recordingFiles(dir)).toEqual([])
  })

  it('a reset mid-stream reaches the test and stores nothing', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const recorded = await session(dir, 'new', async () => {
      const response = await fetch(`${api.url}/fault/reset-mid-stream`)
      expect(response.status).toBe(200)
      return readChunks(response)
    })
    expect(recorded.thrown).toBeInstanceOf(TypeError)
    expect(recordingErrorOf(recorded.thrown)).toBeUndefined()
    expect(recorded.outcome.recorded).toBe(0)
    expect(recordingFiles(dir)).toEqual([])
  })

  it('a failed request next to a good one stores only the good one', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const recorded = await session(dir, 'new', async () => {
      await fetch(`${api.url}/fault/close-before-headers`).catch(() => undefined)
      return (await fetch(`${api.url}/binary`)).arrayBuffer()
    })
    expect(recorded.outcome.recorded).toBe(1)
    expect(readRecording(recorded.path).interactions.map((i) => i.request.endpoint)).toEqual(['/binary'])
  })
})

describe('responses still arriving when the test ends', () => {
  /** A test that checks only a stream's status, driven by hand so the body can be released after. */
  async function statusOnly(dir: string, api: FakeApi, mode: 'new' | 'replay') {
    const recorder = createRecorder({ mode, env: {}, argv: [], rootDir: dir }).install()
    const run = recorder.startTest({ testFile: join(dir, 'case.test.ts'), testName: 'status only' })
    const response = await run.run(() => streamRequest(api, 2000))
    const outcome = run.finish({ status: 'passed' })
    const disposed = await Promise.race([
      recorder.dispose().then(() => 'disposed'),
      sleep(HANG_MS).then(() => 'hung'),
    ])
    await response.body?.cancel().catch(() => undefined)
    await recorder.dispose()
    return { status: response.status, outcome, error: run.error(), disposed }
  }

  // dispose destroys the upstream Agent: close() would wait for a body nobody reads.
  it('dispose does not wait for a response body nobody reads', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const recorded = await statusOnly(dir, api, 'new')
    expect(recorded.disposed).toBe('disposed')
  })

  // A response still streaming when the test ends is stored as far as it got, truncated.
  it('a stream the test never read (it checked only the status) is stored truncated', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const recorded = await statusOnly(dir, api, 'new')
    expect(recorded.status).toBe(200)
    expect(recorded.outcome).toMatchObject({ recorded: 1, change: 'created' })
    expect(readRecording(recorded.outcome.path).interactions[0]!.response).toMatchObject({
      status: 200,
      truncated: true,
    })
    await api.close()
    const replayed = await statusOnly(dir, api, 'replay')
    expect(replayed.error).toBeUndefined()
    expect(replayed.status).toBe(200)
  })
})

describe('installing the dispatcher', () => {
  it('restores the global slots exactly on dispose', async () => {
    // Make sure fetch has a default dispatcher to compare with.
    const api = await fakeApi()
    await (await fetch(`${api.url}/status/204`)).text()
    const before = SLOTS.map((slot) => Object.getOwnPropertyDescriptor(globalThis, slot))
    const recorder = createRecorder({ mode: 'live', env: {}, argv: [] }).install()
    const installed = SLOTS.map((slot) => (globalThis as any)[slot])
    expect(installed[0]).toBe(installed[1])
    expect(typeof installed[0].dispatch).toBe('function')
    expect(installed[0]).not.toBe(before[0]?.value)
    await recorder.dispose()
    const after = SLOTS.map((slot) => Object.getOwnPropertyDescriptor(globalThis, slot))
    expect(after).toEqual(before)
    for (const [i, descriptor] of after.entries()) expect(descriptor?.value).toBe(before[i]?.value)
    await recorder.dispose() // twice is harmless
    expect(SLOTS.map((slot) => Object.getOwnPropertyDescriptor(globalThis, slot))).toEqual(before)
    // fetch goes to the network again, untouched.
    expect((await fetch(`${api.url}/status/204`)).status).toBe(204)
  })

  it('installing twice fails with ALREADY_INSTALLED; after dispose another can install', async () => {
    const first = createRecorder({ mode: 'live', env: {}, argv: [] }).install()
    const second = createRecorder({ mode: 'live', env: {}, argv: [] })
    try {
      let error: RecordingError | undefined
      try {
        second.install()
      } catch (caught) {
        error = caught as RecordingError
      }
      expect(error?.code).toBe('ALREADY_INSTALLED')
      expect(error?.message).toMatch(/^\[fetch-recordings\] /)
      await first.dispose()
      expect(() => second.install()).not.toThrow()
    } finally {
      await first.dispose()
      await second.dispose()
    }
  })

  // A long budget: the bundle and the child took 30-36 s under load 20 on 2 cores.
  it('in a fresh process, install before the first fetch then dispose leaves fetch working', {
    timeout: 240_000,
  }, async () => {
    const dir = tempDir()
    const bundle = join(dir, 'index.cjs')
    // The core and its dependencies (undici included) in one file a plain `node` can load.
    await build({
      entryPoints: [fileURLToPath(new URL('../../src/index.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: bundle,
      logLevel: 'silent',
    })
    const script = join(dir, 'fresh.cjs')
    writeFileSync(
      script,
      `const { createServer } = require('node:http')
const { createRecorder } = require(${JSON.stringify(bundle)})
;(async () => {
  const server = createServer((_, res) => res.end('ok')).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.on('listening', resolve))
  const url = 'http://127.0.0.1:' + server.address().port + '/'
  const recorder = createRecorder({ mode: 'live', env: {}, argv: [] }).install()
  const during = await (await fetch(url)).text()
  await recorder.dispose()
  let after
  try { after = await (await fetch(url)).text() } catch (error) { after = 'failed: ' + error.message }
  server.close()
  console.log(JSON.stringify({ during, after }))
})()
`,
    )
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 180_000 })
    expect(child.stderr).toBe('')
    expect(JSON.parse(child.stdout.trim().split('\n').at(-1) as string)).toEqual({
      during: 'ok',
      after: 'ok',
    })
  })
})

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { BIG_EVENT_BYTES } from '../support/fake-apis-misc.js'

let api: FakeApi | undefined
afterEach(async () => {
  await api?.close()
  api = undefined
})

/** Records `fn` in one test, then (optionally) replays it with the server gone. */
async function recordThenReplay<T>(fn: (base: string) => Promise<T>, replay = true) {
  const dir = tempDir()
  api = await startFakeApi({ randomIds: false })
  const base = api.url
  const session = async (mode: 'update' | 'replay') => {
    const recorder = createRecorder({ mode, rootDir: dir, env: {}, argv: [] }).install()
    try {
      const run = recorder.startTest({ testFile: join(dir, 'faults.test.ts'), testName: 'fault' })
      const started = performance.now()
      const result: { value?: T; error?: any } = await run.run(() =>
        fn(base).then(
          (value) => ({ value }),
          (error) => ({ error }),
        ),
      )
      const elapsed = performance.now() - started
      return { ...result, elapsed, outcome: run.finish({ status: 'passed' }), missed: run.error() }
    } finally {
      await recorder.dispose()
    }
  }
  const recorded = await session('update')
  await api.close()
  api = undefined
  return { recorded, replayed: replay ? await session('replay') : undefined }
}

describe('faults while recording', () => {
  it('one 1 MB SSE event is recorded whole and replayed whole', async () => {
    const { recorded, replayed } = await recordThenReplay(async (base) =>
      (await fetch(`${base}/fault/big-event`)).text(),
    )
    expect(recorded.value?.length).toBeGreaterThan(BIG_EVENT_BYTES)
    const file = JSON.parse(readFileSync(recorded.outcome.path, 'utf8'))
    expect(file.interactions[0].response.body_encoding).toBe('sse')
    expect(replayed?.value).toBe(recorded.value)
  })

  // A long budget: under load 20 on 2 cores this took 60 s (1.6 s on a quiet machine).
  it('10,000 events are recorded as 10,000 lines and replayed in order', { timeout: 240_000 }, async () => {
    const { recorded, replayed } = await recordThenReplay(async (base) => {
      const response = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'm',
          stream: true,
          n_events: 10_000,
          messages: [{ role: 'user', content: 'go' }],
        }),
      })
      return response.text()
    })
    const text = readFileSync(recorded.outcome.path, 'utf8')
    expect(
      text.split('\n').filter((line) => line.startsWith('          {"data":')).length,
    ).toBeGreaterThanOrEqual(10_000)
    expect(replayed?.value).toBe(recorded.value)
    expect(replayed?.missed).toBeUndefined()
  })

  it("a stalled stream ends at the client's own timeout, and is stored marked truncated, never as whole", async () => {
    const { recorded } = await recordThenReplay(async (base) => {
      // The client's own deadline (a TimeoutError, as AbortSignal.timeout's), started once the
      // first event is in: on a busy machine the headers alone can take longer than any fixed one.
      const deadline = new AbortController()
      const response = await fetch(`${base}/fault/stall`, { signal: deadline.signal })
      const reader = response.body!.getReader()
      await reader.read()
      setTimeout(() => deadline.abort(new DOMException('The operation timed out.', 'TimeoutError')), 100)
      for (;;) if ((await reader.read()).done) return
    }, false)
    // The client's own signal ended it (the stall never ends by itself): no wall-clock limit.
    expect((recorded.error as Error).name).toMatch(/TimeoutError|AbortError/)
    expect(recorded.outcome.recorded).toBe(1)
    const file = JSON.parse(readFileSync(recorded.outcome.path, 'utf8'))
    expect(file.interactions[0].response.truncated).toBe(true)
  })

  it('a reset mid-stream and a close before headers reach the test and store nothing', async () => {
    const { recorded } = await recordThenReplay(async (base) => {
      const results = []
      for (const path of ['/fault/reset-mid-stream', '/fault/close-before-headers']) {
        results.push(
          await fetch(`${base}${path}`)
            .then((r) => r.text())
            .then(
              () => 'ok',
              (error) => error.cause?.code ?? error.message,
            ),
        )
      }
      return results
    }, false)
    expect(recorded.value).not.toContain('ok')
    expect(recorded.outcome.recorded).toBe(0)
    expect(recorded.outcome.change).toBe('none')
  })
})

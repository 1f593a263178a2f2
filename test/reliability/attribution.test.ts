import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createRecorder, type Recorder } from '../../src/index.js'
import { tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

let recorder: Recorder | undefined
let api: FakeApi | undefined
let relay: Server | undefined
afterEach(async () => {
  await recorder?.dispose()
  await api?.close()
  relay?.close()
  recorder = api = relay = undefined
})

/**
 * An in-process server created outside any test: its request handler runs in the server's
 * async context, not the test's, so the fetch it makes has lost the test's context.
 */
async function startRelay(upstream: string): Promise<string> {
  relay = createServer(async (req, res) => {
    const answer = await fetch(`${upstream}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: req.url }] }),
    }).then(
      (r) => r.text(),
      (error) => `failed: ${error.cause?.code ?? error.message}`,
    )
    res.end(answer)
  }).listen(0, '127.0.0.1')
  await new Promise((resolve) => relay?.once('listening', resolve))
  return `http://127.0.0.1:${(relay.address() as { port: number }).port}`
}

/** A recorder in `new` mode, the fake API, and a relay to it that tests reach by passthrough. */
async function recordThroughRelay(): Promise<{ dir: string; relayUrl: string; recorder: Recorder }> {
  const dir = tempDir()
  api = await startFakeApi({ randomIds: false })
  const relayUrl = await startRelay(api.url)
  const installed = createRecorder({
    mode: 'new',
    rootDir: dir,
    env: {},
    argv: [],
    passthrough: [relayUrl],
  }).install()
  recorder = installed
  return { dir, relayUrl, recorder: installed }
}

describe('requests that lost the async context', () => {
  it('go to the only running test', async () => {
    const { dir, relayUrl, recorder } = await recordThroughRelay()
    const run = recorder.startTest({ testFile: join(dir, 'a.test.ts'), testName: 'alone' })
    const text = await run.run(async () => (await fetch(`${relayUrl}/hello`)).text())
    expect(text).toContain('Echo: /hello')
    const outcome = run.finish({ status: 'passed' })
    expect(outcome.recorded).toBe(1)
    const file = JSON.parse(readFileSync(outcome.path, 'utf8'))
    expect(file.interactions.map((i: any) => i.request.body.messages[0].content)).toEqual(['/hello'])
  })

  it('fail clearly, never silently to the wrong test, when several run at once', async () => {
    const { dir, relayUrl, recorder } = await recordThroughRelay()
    const one = recorder.startTest({ testFile: join(dir, 'a.test.ts'), testName: 'one' })
    const two = recorder.startTest({ testFile: join(dir, 'a.test.ts'), testName: 'two' })
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const first = one.run(async () => (await fetch(`${relayUrl}/from-one`)).text())
    const second = two.run(() => gate)
    const text = await first
    release()
    await second
    expect(text).toBe('failed: AMBIGUOUS_TEST')
    expect(one.finish({ status: 'passed' }).recorded).toBe(0)
    expect(two.finish({ status: 'passed' }).recorded).toBe(0)
  })
})

/**
 * Every text the library shows or answers goes through the run's one redaction
 * (RunSecrets.shown), like miss messages (shown-secrets.test.ts): the error and the warning of a
 * request made after its test ended, the error the test running meanwhile fails with, the relay's
 * answers to an app (a request relayed for an ended test, a relayed miss), and what a real
 * runner prints. These used to strip only credential parameters from the URL (the relay not even
 * that): a key in a late request's header or in an earlier body field, also in its URL path,
 * was shown raw.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { FRAMING_HEADER, FrameReader } from '../../src/transports/relay/frames.js'
import { parseTag, RELAY_PATH, TAG_HEADER } from '../../src/transports/relay/header.js'
import { TEST_FILE, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { VitestFixture } from '../support/vitest-fixture.js'
import { formsOf } from './leak-cases.js'

/** Shapes no token format knows: only the run's secrets can find them. */
const HEADER_KEY = 'aZ3Qq5Ww6Ee7Rr8Tt9Yy0Uu1Ii2Oo3P'
const BODY_KEY = 'aZ3Ss5Dd6Ff7Gg8Hh9Jj0Kk1Ll2Zz3X'
const ENV_KEY = 'aZ3Xx5Cc6Vv7Bb8Nn9Mm0Qq1Ww2Ee3R'
const PARAM_KEY = 'aZ3Rr5Tt6Yy7Uu8Ii9Oo0Pp1Aa2Ss3D'
const KEYS = [HEADER_KEY, BODY_KEY, ENV_KEY, PARAM_KEY]

const leaked = (text: string) =>
  KEYS.flatMap(formsOf).filter((form) => form.length >= 8 && text.includes(form))

let api: FakeApi
let capture: Server
let captureUrl: string
const captured: IncomingHttpHeaders[] = []
beforeAll(async () => {
  api = await startFakeApi()
  // An "app server": it only shows the attribution tag a test's request carries.
  capture = createServer((req, res) => {
    captured.push(req.headers)
    res.end('ok')
  })
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve))
  captureUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`
})
afterAll(async () => {
  await api.close()
  await new Promise<void>((resolve) => capture.close(() => resolve()))
})

/** Warnings the process emits from now on, until `stop`. */
function collectWarnings() {
  const messages: string[] = []
  const listener = (warning: Error) => messages.push(warning.message)
  process.on('warning', listener)
  return { messages, stop: () => process.off('warning', listener) }
}

const nextWarning = () => new Promise<void>((resolve) => process.once('warning', () => resolve()))

describe('a request made after its test ended', () => {
  it('shows its URL with its own header key and the keys the test sent redacted: error, warning, the test running meanwhile', async () => {
    const dir = tempDir()
    const recorder = createRecorder({ env: {}, argv: [], rootDir: dir, mode: 'new' }).install()
    const warnings = collectWarnings()
    try {
      const testFile = join(dir, TEST_FILE)
      let late: (() => Promise<unknown>) | undefined
      const first = recorder.startTest({ testFile, testName: 'leaves a timer' })
      await first.run(async () => {
        // The key reaches the run as a credential-named field of a body.
        await fetch(`${api.url}/status/200`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_secret: BODY_KEY }),
        }).then((response) => response.text())
        let release: () => void = () => {}
        const gate = new Promise<void>((resolve) => {
          release = resolve
        })
        const sent = gate.then(() =>
          fetch(`${api.url}/v1/keys/${HEADER_KEY}/${BODY_KEY}/usage`, {
            headers: { 'x-api-key': HEADER_KEY },
          }),
        )
        late = () => {
          release()
          return sent.then(
            () => undefined,
            (error: unknown) => error,
          )
        }
      })
      await first.settle()
      first.finish({ status: 'passed' })

      // Without a test running: the thrown error and a process warning.
      const warned = nextWarning()
      const alone = (await late?.()) as Error & { cause?: Error }
      await warned
      expect(alone?.cause?.message).toContain('already finished')
      expect(alone.cause?.message).toContain('/v1/keys/[redacted]/[redacted]/usage')
      expect(leaked(`${alone.cause?.message}\n${alone.cause?.stack}`)).toEqual([])
      expect(warnings.messages.join('\n')).toContain('/v1/keys/[redacted]/[redacted]/usage')
      expect(leaked(warnings.messages.join('\n'))).toEqual([])
    } finally {
      warnings.stop()
      await recorder.dispose()
    }
  })

  it('the test running meanwhile fails with it, redacted', async () => {
    const dir = tempDir()
    const recorder = createRecorder({
      env: { MY_SERVICE_TOKEN: ENV_KEY },
      argv: [],
      rootDir: dir,
      mode: 'new',
    })
    recorder.install()
    try {
      const testFile = join(dir, TEST_FILE)
      let fire: (() => Promise<unknown>) | undefined
      const first = recorder.startTest({ testFile, testName: 'leaves a request behind' })
      await first.run(async () => {
        let release: () => void = () => {}
        const gate = new Promise<void>((resolve) => {
          release = resolve
        })
        const sent = gate.then(() => fetch(`${api.url}/v1/keys/${ENV_KEY}/usage?api_key=${PARAM_KEY}`))
        fire = () => {
          release()
          return sent.then(
            () => undefined,
            (error: unknown) => error,
          )
        }
      })
      first.finish({ status: 'passed' })
      const second = recorder.startTest({ testFile, testName: 'runs meanwhile' })
      const thrown = (await second.run(() => fire?.())) as Error & { cause?: Error }
      second.finish({ status: 'failed' })
      const witnessed = second.error()
      expect(witnessed?.code).toBe('REQUEST_AFTER_TEST_END')
      expect(witnessed?.message).toContain('/v1/keys/[redacted]/usage')
      expect(leaked(`${witnessed?.message}\n${witnessed?.stack}\n${thrown.cause?.message}`)).toEqual([])
    } finally {
      await recorder.dispose()
    }
  })
})

describe('the relay (server mode)', () => {
  it('answers a request relayed for an ended test and a relayed miss with the keys redacted', async () => {
    const dir = tempDir()
    let relayOrigin: string | undefined
    const recorder = createRecorder({
      env: { MY_SERVICE_TOKEN: ENV_KEY },
      argv: [],
      rootDir: dir,
      mode: 'replay',
      appServers: [captureUrl],
      // Straight to the relay from here: this test plays the app.
      passthrough: ({ url }) => relayOrigin !== undefined && url.startsWith(relayOrigin),
    }).install()
    try {
      const testFile = join(dir, TEST_FILE)
      const run = recorder.startTest({ testFile, testName: 'calls the app' })
      const relayed = await run.run(async () => {
        await (await fetch(`${captureUrl}/x`)).text()
        const parsed = parseTag(captured.at(-1)?.[TAG_HEADER])
        if (!parsed || !('tag' in parsed)) throw new Error('no tag')
        relayOrigin = `http://${parsed.tag.relay}`
        return parsed.tag
      })
      const relay = (target: string, headers: Record<string, string>, body: string) =>
        fetch(`${relayOrigin}${RELAY_PATH}`, {
          method: 'POST',
          headers: {
            'x-fetch-recordings-relay-token': relayed.token,
            'x-fetch-recordings-relay-test': relayed.test,
            'x-fetch-recordings-relay-target': target,
            'content-type': 'application/json',
            ...headers,
          },
          body,
        }).then(async (response) => {
          const bytes = Buffer.from(await response.arrayBuffer())
          // A dispatched answer comes framed, the relay's own refusals plain (frames.ts).
          const framed = response.headers.get(FRAMING_HEADER) !== null
          const text = (framed ? Buffer.concat(new FrameReader().push(bytes)) : bytes).toString()
          return { status: response.status, text }
        })
      // A miss: the key in the relayed request's header, its body and its path.
      const miss = await relay(
        `${api.url}/v1/keys/${HEADER_KEY}/usage`,
        { 'x-api-key': HEADER_KEY },
        JSON.stringify({ note: `for ${HEADER_KEY} and ${ENV_KEY}` }),
      )
      expect(miss.status).toBe(400)
      expect(JSON.parse(miss.text).error.code).toBe('RECORDING_MISS')
      expect(leaked(miss.text)).toEqual([])
      run.finish({ status: 'failed' })
      expect(leaked(`${run.error()?.message}`)).toEqual([])
      // The test ended: the relay refuses, naming the request.
      const ended = await relay(`${api.url}/v1/keys/${ENV_KEY}/usage?api_key=${PARAM_KEY}&q=1`, {}, '{}')
      expect(ended.status).toBe(400)
      expect(JSON.parse(ended.text).error.code).toBe('RELAY_REFUSED')
      expect(ended.text).toContain('/v1/keys/[redacted]/usage?q=1')
      expect(leaked(ended.text)).toEqual([])
    } finally {
      await recorder.dispose()
    }
  })
})

describe('a worker thread (its own process view: the environment, token formats)', () => {
  it("a refused fetch names its path with the environment's key redacted", () => {
    const dist = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'index.js')).href
    // 192.0.2.1 (TEST-NET-1): refused before any packet.
    const script = `import { Recorder } from ${JSON.stringify(dist)}
import { Worker } from 'node:worker_threads'
const recorder = new Recorder({ mode: 'replay' }).install()
const worker = new Worker("fetch('http://192.0.2.1/v1/keys/' + process.env.MY_SERVICE_TOKEN + '/usage').catch((e) => require('node:worker_threads').parentPort.postMessage(e.message))", { eval: true })
worker.once('message', async (message) => { console.log(message); await worker.terminate(); await recorder.dispose() })
`
    const path = join(tempDir(), 'worker.mjs')
    writeFileSync(path, script)
    const child = spawnSync(process.execPath, [path], {
      encoding: 'utf8',
      env: { ...process.env, CI: '', MY_SERVICE_TOKEN: ENV_KEY },
      timeout: 60_000,
    })
    expect(child.status, child.stderr).toBe(0)
    expect(child.stdout).toContain('/v1/keys/[redacted]/usage from a worker thread was refused')
    expect(leaked(`${child.stdout}${child.stderr}`)).toEqual([])
  })
})

describe('through Vitest', () => {
  it('a late request with a key in its header and URL: not in the runner output, the report file or a recording', async () => {
    const fixture = VitestFixture.create({
      'vitest.config.js': `import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({
  plugins: [fetchRecordings({ reportFile: 'report/run.json' })],
  test: { include: ['tests/**/*.test.js'] },
})
`,
      'tests/late.test.js': `import { expect, test } from 'vitest'
const api = process.env.LATE_API
let release
const gate = new Promise((resolve) => { release = resolve })
test('leaves a request behind', async () => {
  await fetch(api + '/status/200', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_secret: process.env.LATE_BODY_KEY }) }).then((r) => r.text())
  gate.then(() => fetch(api + '/v1/keys/' + process.env.LATE_HEADER_KEY + '/' + process.env.LATE_BODY_KEY + '/usage', { headers: { 'x-api-key': process.env.LATE_HEADER_KEY } })).catch((error) => console.log('late request failed: ' + error.cause?.message))
})
test('runs meanwhile', async () => {
  release()
  await new Promise((resolve) => setTimeout(resolve, 200))
  expect(1).toBe(1)
})
`,
    })
    try {
      const run = await fixture.run([], {
        env: { LATE_API: api.url, LATE_HEADER_KEY: HEADER_KEY, LATE_BODY_KEY: BODY_KEY },
      })
      expect(run.code, run.output).toBe(1)
      expect(run.output).toContain('already finished')
      expect(run.output).toContain('/v1/keys/[redacted]/[redacted]/usage')
      expect(leaked(run.output)).toEqual([])
      expect(leaked(writtenFiles(fixture.dir))).toEqual([])
    } finally {
      fixture.dispose()
    }
  })
})

/** Every file a run wrote (recordings, the report), outside node_modules and the sources. */
function writtenFiles(dir: string): string {
  const texts: string[] = []
  const visit = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name)
      if (name === 'node_modules' || name === 'late.test.js') continue
      if (statSync(path).isDirectory()) visit(path)
      else texts.push(readFileSync(path, 'latin1'))
    }
  }
  visit(dir)
  return texts.join('\n')
}

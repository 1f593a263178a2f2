/**
 * End to end on the real runners: a test file whose requests bring their own dispatcher (a
 * ProxyAgent through a real loopback proxy, an Agent with timeouts, the openai SDK with
 * `fetchOptions.dispatcher`, all built at module scope) records through them, then replays
 * with `CI=true`, the API gone and nothing reaching the proxy. In Jest, undici is the copy of
 * the test's module registry, which the recorder never imports.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js'
import { summaryOf } from '../support/contract.js'
import { JestProject } from '../support/jest-fixture.js'
import { StableApi, VitestFixture } from '../support/vitest-fixture.js'

const PROMPTS = [
  'fetch through a ProxyAgent',
  'undici.request with an Agent',
  'openai with fetchOptions.dispatcher',
]

function ownDispatcherTests(imports: string): string {
  return `${imports}
const API = process.env.FAKE_API_URL
const viaProxy = new ProxyAgent(process.env.PROXY_URL)
const withTimeouts = new Agent({ headersTimeout: 30_000, bodyTimeout: 30_000 })
const client = new OpenAI({ apiKey: 'sk-fixture-own-dispatcher-0001', baseURL: API + '/v1', maxRetries: 0, fetchOptions: { dispatcher: viaProxy } })
const body = (content) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })
const [viaFetch, viaRequest, viaSdk] = ${JSON.stringify(PROMPTS)}

test('fetch with a ProxyAgent', async () => {
  const response = await fetch(API + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(viaFetch), dispatcher: viaProxy })
  expect((await response.json()).choices[0].message.content).toBe('Echo: ' + viaFetch)
})

test('undici.request with an Agent', async () => {
  const response = await request(API + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(viaRequest), dispatcher: withTimeouts })
  expect((await response.body.json()).choices[0].message.content).toBe('Echo: ' + viaRequest)
})

test('openai with fetchOptions.dispatcher', async () => {
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: viaSdk }] })
  expect(completion.choices[0].message.content).toBe('Echo: ' + viaSdk)
})
`
}

const VITEST_CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()] })
`

let api: StableApi
let proxy: ConnectProxy

beforeAll(async () => {
  api = await StableApi.start()
  proxy = await startConnectProxy()
})
afterAll(async () => {
  await api?.close()
  await proxy?.close()
})

interface Runner {
  run(env: Record<string, string>): Promise<{ code: number | null; output: string }>
  recordedPrompts(): string[]
}

async function recordThenReplayOffline(runner: Runner): Promise<void> {
  await api.online()
  const env = { FAKE_API_URL: api.url, PROXY_URL: proxy.url }
  const recorded = await runner.run(env)
  expect(recorded.code, recorded.output).toBe(0)
  expect(summaryOf(recorded.output)).toMatchObject({ written: 3, mode: 'new' })
  expect(runner.recordedPrompts()).toEqual(PROMPTS)
  expect(api.requests).toHaveLength(3)
  // The ProxyAgent kept working while recording: the proxy carried its requests.
  expect(proxy.tunnels.length).toBeGreaterThan(0)

  await api.offline()
  const tunnels = proxy.tunnels.length
  const replayed = await runner.run({ ...env, CI: 'true' })
  expect(replayed.code, replayed.output).toBe(0)
  expect(summaryOf(replayed.output)).toMatchObject({ replayed: 3, written: 0, mode: 'replay' })
  expect(proxy.tunnels).toHaveLength(tunnels)
}

/** First user prompt of every recording under the project, ordered by prompt. */
function promptsIn(files: string[], read: (path: string) => string): string[] {
  return files
    .map((path) => JSON.parse(read(path)).interactions[0].request.body.messages[0].content as string)
    .sort((a, b) => PROMPTS.indexOf(a) - PROMPTS.indexOf(b))
}

describe('requests with their own dispatcher, on the real runners', () => {
  test('Vitest: recorded through the dispatcher, replayed offline', async () => {
    const fixture = VitestFixture.create({
      'vitest.config.ts': VITEST_CONFIG,
      'own.test.ts': ownDispatcherTests(
        `import OpenAI from 'openai'\nimport { Agent, ProxyAgent, request } from 'undici'\nimport { expect, test } from 'vitest'`,
      ),
    })
    try {
      await recordThenReplayOffline({
        run: (env) => fixture.run([], { env }),
        recordedPrompts: () => promptsIn(fixture.recordings(), (path) => fixture.read(path)),
      })
    } finally {
      fixture.dispose()
    }
  })

  test('Jest: recorded through the dispatcher (undici from the test registry), replayed offline', async () => {
    const project = new JestProject({
      files: {
        'own.test.js': ownDispatcherTests(
          `const { OpenAI } = require('openai')\nconst { Agent, ProxyAgent, request } = require('undici')`,
        ),
      },
    })
    try {
      await recordThenReplayOffline({
        run: (env) => project.run({ env }).then((run) => ({ code: run.exitCode, output: run.output })),
        recordedPrompts: () => promptsIn(jestRecordings(project), (path) => project.read(path)),
      })
    } finally {
      project.cleanup()
    }
  })
})

function jestRecordings(project: JestProject): string[] {
  const folder = join('__recordings__', 'own.test.js')
  if (!existsSync(join(project.dir, folder))) return []
  return readdirSync(join(project.dir, folder))
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(folder, name))
}

/**
 * End to end on the real runners: the clients built on node:http(s) (axios, got, node-fetch v2
 * and v3, superagent, gaxios, the AWS SDK on NodeHttpHandler) record through the Vitest plugin
 * and the Jest environment with no configuration, then replay offline with identical results;
 * concurrent tests keep their own recordings. One record → offline → replay cycle per runner.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { JestProject } from '../support/jest-fixture.js'
import { StableApi, VitestFixture } from '../support/vitest-fixture.js'

const VITEST_CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()] })
`

const PACKAGES = [
  'axios',
  'got',
  'node-fetch',
  'node-fetch2',
  'superagent',
  'gaxios',
  '@aws-sdk/client-bedrock-runtime',
  '@smithy/node-http-handler',
]

const VITEST_IMPORTS = `
import { mkdirSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { expect, test } from 'vitest'
import axios from 'axios'
import got from 'got'
import fetch3 from 'node-fetch'
import fetch2 from 'node-fetch2'
import superagent from 'superagent'
import { request as gaxios } from 'gaxios'
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime'
import { NodeHttpHandler } from '@smithy/node-http-handler'
`

/** Jest runs plain CommonJS here: the ESM-only clients (got 14, node-fetch 3, gaxios 7's import of it) are Vitest's. */
const JEST_IMPORTS = `
const { mkdirSync, writeFileSync } = require('node:fs')
const net = require('node:net')
const axios = require('axios')
const fetch2 = require('node-fetch2')
const superagent = require('superagent')
const { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } = require('@aws-sdk/client-bedrock-runtime')
const { NodeHttpHandler } = require('@smithy/node-http-handler')
`

const COMMON = `
const API = process.env.FAKE_API_URL
const save = (name, value) => {
  mkdirSync(process.env.RESULTS_DIR, { recursive: true })
  writeFileSync(process.env.RESULTS_DIR + '/' + name + '.json', JSON.stringify(value))
}
const saveReads = (name, reads) => {
  mkdirSync(process.env.RESULTS_DIR + '-reads', { recursive: true })
  writeFileSync(process.env.RESULTS_DIR + '-reads/' + name + '.json', JSON.stringify(reads))
}
const chat = (content, extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra })
const CHAT = API + '/v1/chat/completions'
// Built at module scope, before any test, as SDK clients usually are.
const bedrock = new BedrockRuntimeClient({
  region: 'us-east-1',
  endpoint: API,
  credentials: { accessKeyId: 'AKIDFIXTURE0001', secretAccessKey: 'fixture-secret-access-key-0001' },
  // connectionTimeout waits for the socket's 'connect' when it starts out connecting.
  requestHandler: new NodeHttpHandler({ connectionTimeout: 10000, requestTimeout: 30000 }),
})
const converse = (text) => ({ modelId: 'anthropic.claude-3-haiku', messages: [{ role: 'user', content: [{ text }] }] })

test.concurrent('axios json', async () => {
  const { data } = await axios.post(CHAT, chat('axios json'))
  save('axios-json', data)
  expect(data.choices[0].message.content).toBe('Echo: axios json')
})

test.concurrent('axios gzip', async () => {
  const { data } = await axios.get(API + '/gzip.json')
  save('axios-gzip', data)
  expect(data.encoding).toBe('gzip')
})

test.concurrent('axios sse stream', async () => {
  const response = await axios.post(CHAT, chat('one two three four five', { stream: true }), { responseType: 'stream' })
  const chunks = []
  for await (const chunk of response.data) chunks.push(chunk.toString())
  save('axios-sse', chunks.join(''))
  // How many reads the client got: live, that depends on timing; replayed, one per event.
  saveReads('axios-sse', chunks.length)
  expect(chunks.join('')).toContain('data: [DONE]')
})

test.concurrent('axios multipart', async () => {
  const form = new FormData()
  form.append('purpose', 'assistants')
  form.append('file', new Blob(['hello from a file']), 'notes.txt')
  const { data } = await axios.post(API + '/v1/files', form)
  save('axios-multipart', data)
  expect(data.filename).toBe('notes.txt')
})

test.concurrent('node-fetch v2', async () => {
  const response = await fetch2(CHAT, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chat('node-fetch two')) })
  const data = await response.json()
  save('node-fetch2', data)
  expect(data.choices[0].message.content).toBe('Echo: node-fetch two')
})

test.concurrent('superagent', async () => {
  const response = await superagent.post(CHAT).send(chat('superagent'))
  save('superagent', response.body)
  expect(response.body.choices[0].message.content).toBe('Echo: superagent')
})

test.concurrent('bedrock converse', async () => {
  const response = await bedrock.send(new ConverseCommand(converse('hello bedrock')))
  save('bedrock-converse', response.output)
  expect(response.output.message.content[0].text).toBe('Bedrock says: hello bedrock')
})

test.concurrent('bedrock converse stream', async () => {
  const response = await bedrock.send(new ConverseStreamCommand(converse('stream from bedrock')))
  const events = []
  for await (const event of response.stream) events.push(event)
  save('bedrock-stream', events)
  const text = events.map((event) => event.contentBlockDelta?.delta?.text ?? '').join('')
  expect(text).toBe('Bedrock says: stream from bedrock')
})

test('a raw connection to a remote host', async () => {
  // What a client no transport sees opens: destroyed before it connects (no network here).
  const socket = net.connect(443, '192.0.2.7')
  socket.on('error', () => {})
  socket.destroy()
})
`

const VITEST_ONLY = `
test.concurrent('got json and stream', async () => {
  const data = await got.post(CHAT, { json: chat('got json') }).json()
  const chunks = []
  for await (const chunk of got.stream.post(CHAT, { json: chat('got stream a b c d', { stream: true }) })) chunks.push(chunk.toString())
  save('got', { data, stream: chunks.join('') })
  saveReads('got', chunks.length)
  expect(data.choices[0].message.content).toBe('Echo: got json')
})

test.concurrent('node-fetch v3', async () => {
  const response = await fetch3(CHAT, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chat('node-fetch three')) })
  const data = await response.json()
  save('node-fetch3', data)
  expect(data.choices[0].message.content).toBe('Echo: node-fetch three')
})

test.concurrent('gaxios', async () => {
  const response = await gaxios({ url: CHAT, method: 'POST', data: chat('gaxios') })
  save('gaxios', response.data)
  expect(response.data.choices[0].message.content).toBe('Echo: gaxios')
})
`

interface RunnerCase {
  name: string
  run(env: Record<string, string>): Promise<{ code: number; output: string }>
  recordingsDir: string
  cleanup(): void
  expected: string[]
}

const COMMON_RESULTS = [
  'axios-gzip',
  'axios-json',
  'axios-multipart',
  'axios-sse',
  'bedrock-converse',
  'bedrock-stream',
  'node-fetch2',
  'superagent',
]

function vitestCase(): RunnerCase {
  const fixture = VitestFixture.create(
    { 'vitest.config.ts': VITEST_CONFIG, 'clients.test.ts': VITEST_IMPORTS + COMMON + VITEST_ONLY },
    PACKAGES,
  )
  return {
    name: 'vitest',
    run: async (env) => {
      const result = await fixture.run([], { env, timeoutMs: 120_000 })
      return { code: result.code ?? 1, output: result.output }
    },
    recordingsDir: fixture.path('__recordings__/clients.test.ts'),
    cleanup: () => fixture.dispose(),
    expected: [...COMMON_RESULTS, 'gaxios', 'got', 'node-fetch3'].sort(),
  }
}

function jestCase(): RunnerCase {
  const project = new JestProject({ files: { 'clients.test.js': JEST_IMPORTS + COMMON } })
  return {
    name: 'jest',
    run: async (env) => {
      const result = await project.run({ env })
      return { code: result.exitCode, output: result.output }
    },
    recordingsDir: join(project.dir, '__recordings__/clients.test.js'),
    cleanup: () => project.cleanup(),
    expected: COMMON_RESULTS,
  }
}

function readResults(dir: string): Record<string, unknown> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, name), 'utf8'))]),
  )
}

describe.each([
  ['vitest', vitestCase],
  ['jest', jestCase],
])('%s', (_name, makeCase) => {
  let api: StableApi
  let runner: RunnerCase
  let results: string
  beforeAll(async () => {
    api = await StableApi.start()
    runner = makeCase()
    results = mkdtempSync(join(tmpdir(), 'fr-client-results-'))
  })
  afterAll(async () => {
    await api?.close()
    runner?.cleanup()
    rmSync(results, { recursive: true, force: true })
  })

  test('records every client, then replays it offline with identical results', async () => {
    const env = { FAKE_API_URL: api.url }
    const recorded = await runner.run({ ...env, RESULTS_DIR: join(results, 'record') })
    expect(recorded.code, recorded.output).toBe(0)
    expect(recorded.output).toContain('1 request(s) bypassed the recorder (192.0.2.7)')
    const live = readResults(join(results, 'record'))
    expect(Object.keys(live)).toEqual(runner.expected)

    // Each concurrent test's recording holds its own requests only.
    const files = readdirSync(runner.recordingsDir)
    const converse = files.find((name) => name.startsWith('bedrock-converse.')) as string
    const stored = JSON.parse(readFileSync(join(runner.recordingsDir, converse), 'utf8'))
    expect(stored.interactions.map((i: any) => i.request.url)).toEqual([
      `${api.url}/model/anthropic.claude-3-haiku/converse`,
    ])
    const stream = files.find((name) => name.startsWith('bedrock-converse-stream')) as string
    const streamFile = JSON.parse(readFileSync(join(runner.recordingsDir, stream), 'utf8'))
    expect(streamFile.interactions[0].response.headers['content-type']).toBe(
      'application/vnd.amazon.eventstream',
    )
    expect(streamFile.interactions[0].response.body_encoding).toBe('base64')
    const secretsOnDisk = files
      .map((name) => readFileSync(join(runner.recordingsDir, name), 'utf8'))
      .join('\n')
    expect(secretsOnDisk).not.toContain('AKIDFIXTURE0001')
    expect(secretsOnDisk).not.toContain('fixture-secret-access-key-0001')

    await api.offline()
    const replayed = await runner.run({ ...env, CI: '1', RESULTS_DIR: join(results, 'replay') })
    expect(replayed.code, replayed.output).toBe(0)
    expect(replayed.output).not.toContain('bypassed')
    const replayedResults = readResults(join(results, 'replay'))
    expect(replayedResults).toEqual(live)
    expect(api.requests).toHaveLength(0)
    // Replayed streams reach the client one event per read.
    const reads = readResults(join(results, 'replay-reads'))
    const events = (text: unknown) => String(text).split('\n\n').filter(Boolean).length
    expect(reads['axios-sse']).toBe(events(live['axios-sse']))
    if ('got' in live) expect(reads.got).toBe(events((live.got as { stream: string }).stream))
  })
})

/**
 * Server mode with a Next.js app (`next build` + `next start`, App Router, a Node runtime route
 * handler streaming a chat answer from the fake OpenAI), started by a Vitest project's
 * globalSetup with the preload in NODE_OPTIONS. Next builds are slow: the app is built once
 * (into .tmp/, keyed by its sources and Next's version) and this is its only test file.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/app-servers.js'
import { REPO } from '../support/jest-fixture.js'
import { StableApi, VitestFixture } from '../support/vitest-fixture.js'

// Inside the repository, so the app finds next, react and openai in its node_modules, and
// `fetch-recordings/server` resolves to this package's build (a package may import itself).
const NEXT_DIR = join(REPO, '.tmp', 'next-app')

const ROUTE = `import OpenAI from 'openai'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

const system = process.env.SYSTEM_PROMPT || 'You answer in one line.'

export async function POST(request) {
  const { prompt } = await request.json()
  const openai = new OpenAI({ baseURL: process.env.OPENAI_URL + '/v1', apiKey: 'sk-next-app-secret-0123456789' })
  let answer
  try {
    answer = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'system', content: system }, { role: 'user', content: prompt }],
    })
  } catch (error) {
    return Response.json({ error: error.message }, { status: 502 })
  }
  const encoder = new TextEncoder()
  const body = new ReadableStream({
    async start(controller) {
      for await (const chunk of answer) controller.enqueue(encoder.encode(chunk.choices[0]?.delta?.content ?? ''))
      controller.close()
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
}
`

const SOURCES: Record<string, string> = {
  'app/api/chat/route.js': ROUTE,
  'next.config.mjs': 'export default {}\n',
}

const CONFIG = `import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({
  plugins: [fetchRecordings({ appServers: ['http://127.0.0.1:' + process.env.NEXT_PORT] })],
  // Next answers slowly on a busy machine (a test hit the 5 s default under load 18).
  test: { globalSetup: ['./global-setup.mjs'], testTimeout: 60_000, hookTimeout: 120_000 },
})
`

const GLOBAL_SETUP = `import { spawn } from 'node:child_process'
export default async function () {
  const next = spawn(process.execPath, [process.env.NEXT_BIN, 'start', '-p', process.env.NEXT_PORT, '-H', '127.0.0.1'], {
    cwd: process.env.NEXT_DIR,
    env: { ...process.env, NODE_OPTIONS: '--import fetch-recordings/server', NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise((resolve, reject) => {
    let output = ''
    next.stdout.on('data', (chunk) => {
      output += chunk
      if (output.includes('Ready')) resolve()
    })
    next.on('exit', (code) => reject(new Error('next start exited with ' + code + ':\\n' + output)))
  })
  return () => next.kill()
}
`

const CHAT_TEST = `import { writeFileSync } from 'node:fs'
import { expect, test } from 'vitest'
test('streams a chat answer through the route handler', async () => {
  const response = await fetch('http://127.0.0.1:' + process.env.NEXT_PORT + '/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'Stream a line from Next' }),
  })
  let text = ''
  const decoder = new TextDecoder()
  for await (const chunk of response.body) text += decoder.decode(chunk, { stream: true })
  expect(response.status).toBe(200)
  expect(text).toBe('Echo: Stream a line from Next')
  writeFileSync('answer.txt', text)
})
`

function run(
  command: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

const NEXT_BIN = join(REPO, 'node_modules/next/dist/bin/next')

/** Builds the app unless a build of these very sources with this Next is already there. */
async function buildOnce(): Promise<void> {
  const version = JSON.parse(readFileSync(join(REPO, 'node_modules/next/package.json'), 'utf8')).version
  const stamp = createHash('sha256')
    .update(JSON.stringify([version, SOURCES]))
    .digest('hex')
  const stampFile = join(NEXT_DIR, '.build-stamp')
  if (existsSync(join(NEXT_DIR, '.next', 'BUILD_ID')) && existsSync(stampFile)) {
    if (readFileSync(stampFile, 'utf8') === stamp) return
  }
  for (const [path, text] of Object.entries(SOURCES)) {
    mkdirSync(dirname(join(NEXT_DIR, path)), { recursive: true })
    writeFileSync(join(NEXT_DIR, path), text)
  }
  const built = await run([NEXT_BIN, 'build'], NEXT_DIR, { ...process.env, NEXT_TELEMETRY_DISABLED: '1' })
  if (built.code !== 0) throw new Error(`next build failed:\n${built.output}`)
  writeFileSync(stampFile, stamp)
}

let api: StableApi
let fixture: VitestFixture
let env: Record<string, string>

beforeAll(async () => {
  await buildOnce()
  api = await StableApi.start()
  env = { OPENAI_URL: api.url, NEXT_PORT: String(await freePort()), NEXT_DIR, NEXT_BIN }
  fixture = VitestFixture.create({
    'vitest.config.ts': CONFIG,
    'global-setup.mjs': GLOBAL_SETUP,
    'chat.test.ts': CHAT_TEST,
  })
}, 600_000)

afterAll(async () => {
  await api?.close()
  fixture?.dispose()
})

describe('server mode with Next.js (next start, Node runtime route handler)', () => {
  it('records the streamed chat the route handler asked for, and replays it with the API offline', async () => {
    await api.online()
    const recorded = await fixture.run([], { env, timeoutMs: 180_000 })
    expect(recorded.code, recorded.output).toBe(0)
    expect(recorded.output).toMatch(/Recordings\s+0 replayed \| 1 written/)
    expect(api.requests).toHaveLength(1)
    const [file] = fixture.recordings()
    const recording = JSON.parse(fixture.read(file as string))
    expect(recording.interactions).toHaveLength(1)
    expect(recording.interactions[0].request.url).toBe(`${api.url}/v1/chat/completions`)
    expect(recording.interactions[0].response.is_streaming).toBe(true)
    expect(fixture.read(file as string)).not.toContain('sk-next-app-secret')
    const answer = fixture.read('answer.txt')

    await api.offline()
    fixture.remove('answer.txt')
    const replayed = await fixture.run([], { env: { ...env, CI: 'true' }, timeoutMs: 180_000 })
    expect(replayed.code, replayed.output).toBe(0)
    expect(replayed.output).toMatch(/Recordings\s+1 replayed \| 0 written/)
    expect(fixture.read('answer.txt')).toBe(answer)
  }, 600_000)
})

/**
 * Apps under test for server mode: real servers in their own Node processes, started with the
 * server preload, that call a (fake) OpenAI while handling a request, JSON or streaming, and
 * relay the stream to their own client. The sources are plain text, so fixture projects can
 * write the same app beside their tests and start it from a globalSetup.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'

/** node:http + fetch. `POST /chat {prompt, stream?}`; `GET /health` makes no outbound request. */
export const PLAIN_APP = `import { createServer } from 'node:http'
const api = process.env.OPENAI_URL
async function ask(prompt, stream) {
  return fetch(api + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-app-secret-0123456789abcdef' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream, n_events: stream ? 6 : undefined, messages: [{ role: 'user', content: prompt }] }),
  })
}
const server = createServer(async (req, res) => {
  let text = ''
  for await (const chunk of req) text += chunk
  if (req.url === '/health') return res.end('ok')
  const { prompt, stream = false } = JSON.parse(text || '{}')
  try {
    const upstream = await ask(prompt, stream)
    const error = upstream.headers.get('x-fetch-recordings-error')
    if (stream && upstream.ok) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      let reads = 0
      for await (const chunk of upstream.body) {
        reads++
        res.write(chunk)
      }
      console.log('stream reads ' + reads)
      return res.end()
    }
    res.writeHead(upstream.ok ? 200 : 502, { 'content-type': 'application/json', ...(error ? { 'x-app-saw': error } : {}) })
    res.end(await upstream.text())
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' })
    res.end('app failed: ' + error.message)
  }
})
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('listening ' + server.address().port))
`

export interface RunningApp {
  url: string
  output(): string
  stop(): Promise<void>
}

/** Starts `node <nodeArgs> <script>` in `cwd` and waits for its "listening <port>" line. */
export function startApp(options: {
  cwd: string
  script: string
  nodeArgs?: string[]
  env?: Record<string, string>
}): Promise<RunningApp> {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const port = /listening (\d+)/.exec(output)?.[1]
      if (!port) return
      clearTimeout(timer)
      resolve({
        url: `http://127.0.0.1:${port}`,
        output: () => output,
        stop: async () => {
          child.kill('SIGTERM')
          await exited
        },
      })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('close', (code) => reject(new Error(`app exited (${code}) before listening:\n${output}`)))
  })
}

/** A port free right now (for configs that must name an app's origin before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * The apps a fixture project tests (CommonJS, so the same files serve Vitest and Jest fixtures):
 * each calls OpenAI (the fake, at OPENAI_URL) with the openai SDK, as JSON (`POST /chat`) and as
 * a stream it relays to its own client as text (`POST /stream`). SYSTEM_PROMPT is the "prompt
 * inside the app" a change of which must fail the tests.
 */
const OPENAI_CLIENT = `const OpenAI = require('openai')
const openai = new OpenAI({ baseURL: process.env.OPENAI_URL + '/v1', apiKey: 'sk-fixture-app-secret-0123456789' })
const system = process.env.SYSTEM_PROMPT || 'You answer in one line.'
const messagesOf = (prompt) => [{ role: 'system', content: system }, { role: 'user', content: prompt }]
`

export const EXPRESS_APP = `${OPENAI_CLIENT}const express = require('express')
const app = express()
app.use(express.json())
app.post('/chat', async (req, res) => {
  try {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: messagesOf(req.body.prompt) })
    res.json({ answer: completion.choices[0].message.content, id: completion.id })
  } catch (error) {
    res.status(502).json({ error: error.message })
  }
})
app.post('/stream', async (req, res) => {
  try {
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: messagesOf(req.body.prompt) })
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
    for await (const chunk of stream) res.write(chunk.choices[0]?.delta?.content ?? '')
    res.end()
  } catch (error) {
    if (res.headersSent) res.destroy(error)
    else res.status(502).json({ error: error.message })
  }
})
// A page that streams the answer to its prompt from /stream (the Playwright suite's app).
const PAGE = '<!doctype html><title>chat</title><p id="answer"></p><p id="done" hidden>done</p><script>' +
  '(async () => { const prompt = new URLSearchParams(location.search).get("prompt");' +
  ' const response = await fetch("/stream", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt }) });' +
  ' const reader = response.body.getReader(); const decoder = new TextDecoder(); const answer = document.getElementById("answer");' +
  ' for (;;) { const { done, value } = await reader.read(); if (done) break; answer.textContent += decoder.decode(value, { stream: true }) }' +
  ' document.getElementById("done").hidden = false })()</script>'
app.get('/', (req, res) => res.type('html').send(PAGE))
app.get('/health', (req, res) => res.send('ok'))
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening ' + server.address().port))
`

export const HONO_APP = `${OPENAI_CLIENT}const { Hono } = require('hono')
const { stream } = require('hono/streaming')
const { serve } = require('@hono/node-server')
const app = new Hono()
app.post('/chat', async (c) => {
  const { prompt } = await c.req.json()
  try {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: messagesOf(prompt) })
    return c.json({ answer: completion.choices[0].message.content, id: completion.id })
  } catch (error) {
    return c.json({ error: error.message }, 502)
  }
})
app.post('/stream', async (c) => {
  const { prompt } = await c.req.json()
  let answer
  try {
    answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: messagesOf(prompt) })
  } catch (error) {
    return c.json({ error: error.message }, 502)
  }
  c.header('content-type', 'text/plain; charset=utf-8')
  return stream(c, async (out) => {
    for await (const chunk of answer) await out.write(chunk.choices[0]?.delta?.content ?? '')
  })
})
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, (info) => console.log('listening ' + info.port))
`

/**
 * Starts both apps the way a suite's globalSetup does: Express with the preload flag on its
 * command line, Hono through NODE_OPTIONS. `flag` is `--import` (ESM) or `--require` (CJS).
 */
export const START_APPS = `const { spawn } = require('node:child_process')
function start(script, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
      if (output.includes('listening')) resolve(child)
    })
    child.on('exit', (code) => reject(new Error(script + ' exited with ' + code + ' before listening')))
  })
}
exports.startApps = async function startApps(flag) {
  return Promise.all([
    start('express-app.cjs', [flag, 'fetch-recordings/server'], { PORT: process.env.EXPRESS_PORT }),
    start('hono-app.cjs', [], { PORT: process.env.HONO_PORT, NODE_OPTIONS: flag + ' fetch-recordings/server' }),
  ])
}
`

/** Test helpers of the fixture projects (CommonJS): the apps' origins, a chat, a stream. */
export const APP_CLIENT = `const apps = {
  express: 'http://127.0.0.1:' + process.env.EXPRESS_PORT,
  hono: 'http://127.0.0.1:' + process.env.HONO_PORT,
}
async function post(url, prompt) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt }) })
}
async function chat(app, prompt) {
  const response = await post(apps[app] + '/chat', prompt)
  return { status: response.status, ...(await response.json()) }
}
async function stream(app, prompt) {
  const response = await post(apps[app] + '/stream', prompt)
  const decoder = new TextDecoder()
  let text = ''
  let reads = 0
  for await (const chunk of response.body) {
    reads++
    text += decoder.decode(chunk, { stream: true })
  }
  return { status: response.status, text, reads }
}
module.exports = { apps, chat, stream }
`

/** The suite's tests (Vitest and Jest read the same text; only the imports differ). */
export function appTests(importLine: string, options: { skipExpressChat?: boolean } = {}): string {
  const expressChat = options.skipExpressChat
    ? `    if (app === 'express') return expect(app).toBe('express')\n`
    : ''
  return `${importLine}
const { writeFileSync, mkdirSync } = require('node:fs')
const { chat, stream } = require('../app-client.cjs')
const seen = (name, value) => {
  mkdirSync('results', { recursive: true })
  writeFileSync('results/' + name + '.json', JSON.stringify(value))
}
for (const app of ['express', 'hono']) {
  describe(app, () => {
    test('answers', async () => {
${expressChat}      const answer = await chat(app, 'Say hi from ' + app)
      expect(answer).toMatchObject({ status: 200, answer: 'Echo: Say hi from ' + app })
      seen(app + '-answers', answer)
    })
    test('streams', async () => {
      const answer = await stream(app, 'Stream a line from ' + app)
      expect(answer).toMatchObject({ status: 200, text: 'Echo: Stream a line from ' + app })
      seen(app + '-streams', answer.text)
    })
  })
}
describe('at once', () => {
  for (const n of [1, 2, 3]) {
    test.concurrent('request ' + n, async () => {
      const [json, text] = await Promise.all([chat('express', 'concurrent ' + n), stream('hono', 'concurrent stream ' + n)])
      expect(json.answer).toBe('Echo: concurrent ' + n)
      expect(text.text).toBe('Echo: concurrent stream ' + n)
      seen('concurrent-' + n, [json, text.text])
    })
  }
})
`
}

import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { allFiles, readRecording, session, tempDir } from '../support/core-helpers.js'

let server: Server
let base: string
const onDisk = (dir: string) =>
  allFiles(dir)
    .map((path) => readFileSync(path, 'latin1'))
    .join('\n')

/** Answers by path: each test below asks the one that fits it. */
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/split') {
        const key = String(req.headers['x-api-key'])
        const pieces = [key.slice(0, 10), key.slice(10, 25), key.slice(25)]
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        for (const content of ['The key is ', ...pieces, '. Done.'])
          res.write(`data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`)
        res.end('data: [DONE]\n\n')
      } else if (url.pathname === '/echo-header') {
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-echoed-key': String(req.headers['x-api-key']),
        })
        res.end(JSON.stringify({ you_sent: req.headers['x-api-key'] }))
      } else {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            answer: url.searchParams.get('answer') ?? 'ok',
            got: Buffer.concat(chunks).length,
          }),
        )
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const postJson = (body: unknown) =>
  fetch(`${base}/plain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((response) => response.json() as Promise<any>)

describe('secrets: bad input', () => {
  it('a key shorter than 8 characters in a named field is redacted there, and a dummy of any length matches', async () => {
    const dir = tempDir()
    const recorded = await session(dir, 'new', () => postJson({ q: 'hi', api_key: 'k3Y!z' }))
    expect(recorded.error).toBeUndefined()
    expect(readRecording(recorded.path).interactions[0]!.request.body).toEqual({
      q: 'hi',
      api_key: '[redacted]',
    })
    expect(onDisk(dir)).not.toContain('k3Y!z')
    // An empty key, a dummy, the real one: one request.
    for (const api_key of ['', 'dummy', 'sk-test', 'k3Y!z']) {
      const replayed = await session(dir, 'replay', () => postJson({ q: 'hi', api_key }))
      expect(replayed.error, api_key).toBeUndefined()
    }
  })

  it('a key split across SSE deltas: each piece is cut, the assembled text reads [redacted] where the key was', async () => {
    const dir = tempDir()
    const key = 'a8f7d6e5c4b3a2910fedcba9876543210XyZ'
    const ask = async () => {
      const response = await fetch(`${base}/split`, { headers: { 'x-api-key': key } })
      const text = await response.text()
      return text
        .split('\n\n')
        .filter((event) => event.startsWith('data: {'))
        .map((event) => JSON.parse(event.slice(6)).choices[0].delta.content)
        .join('')
    }
    const recorded = await session(dir, 'new', ask)
    // While recording the test sees the real key.
    expect(recorded.result).toBe(`The key is ${key}. Done.`)
    const disk = onDisk(dir)
    for (const piece of [key, key.slice(0, 10), key.slice(10, 25)]) expect(disk).not.toContain(piece)
    const replayed = await session(dir, 'replay', ask)
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toBe('The key is [redacted]. Done.')
  })

  it('a header echoed by the response (as a header and in the body) is redacted in both', async () => {
    const dir = tempDir()
    const key = 'Zk29vQ7pLmN3xR8tYb1cWd4e'
    const ask = async () => {
      const response = await fetch(`${base}/echo-header`, { headers: { 'x-api-key': key } })
      return { header: response.headers.get('x-echoed-key'), body: await response.json() }
    }
    const recorded = await session(dir, 'new', ask)
    expect(recorded.result!.header).toBe(key)
    expect(onDisk(dir)).not.toContain(key)
    const { response } = readRecording(recorded.path).interactions[0]!
    expect(response.headers['x-echoed-key']).toBe('[redacted]')
    const replayed = await session(dir, 'replay', async () => {
      const response = await fetch(`${base}/echo-header`, { headers: { 'x-api-key': 'dummy' } })
      return { header: response.headers.get('x-echoed-key'), body: await response.json() }
    })
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toEqual({ header: '[redacted]', body: { you_sent: '[redacted]' } })
  })

  it('a secret that is also an ordinary word of the answer leaves the answer intact', async () => {
    const dir = tempDir()
    const answer = 'the assistant says: password, token and localdev are words; dummy too'
    const env = {
      DB_PASSWORD: 'password',
      OPENAI_API_KEY: 'dummy',
      AUTH_TOKEN: 'token',
      DATABASE_URL: 'postgres://app:password@db/x',
      KEYCLOAK_URL: base,
    }
    const ask = async () => {
      const response = await fetch(`${base}/plain?answer=${encodeURIComponent(answer)}`, {
        method: 'POST',
        // Credential headers holding plain words: removed (never stored), not searched for.
        headers: {
          'x-api-key': 'localdev',
          authorization: 'Bearer assistant',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ password: 'password' }),
      })
      return (await response.json()) as { answer: string }
    }
    const recorded = await session(dir, 'new', ask, { env })
    expect(recorded.result!.answer).toBe(answer)
    const replayed = await session(dir, 'replay', ask, { env })
    expect(replayed.error).toBeUndefined()
    expect(replayed.result!.answer).toBe(answer)
    // The origin of a URL-valued variable is never edited: requests there still replay.
    expect(readRecording(recorded.path).interactions[0]!.request.url.startsWith(base)).toBe(true)
  })

  it('a variable set after the file started (a beforeAll) is redacted from the next write', async () => {
    const dir = tempDir()
    const env: NodeJS.ProcessEnv = {}
    const recorder = createRecorder({ mode: 'new', rootDir: dir, env, argv: [] }).install()
    try {
      recorder.startFile(`${dir}/late.test.ts`)
      const key = 'Qw3rTy7uIoP9aSdFgHjK1lZx'
      env.MY_SERVICE_TOKEN = key
      const run = recorder.startTest({ testFile: `${dir}/late.test.ts`, testName: 'late' })
      await run.run(() => fetch(`${base}/plain?answer=${key}`).then((r) => r.text()))
      expect(run.finish({ status: 'passed' }).redactions).toBe(1)
      recorder.finishFile(`${dir}/late.test.ts`)
      expect(onDisk(dir)).not.toContain(key)
    } finally {
      await recorder.dispose()
    }
  })

  it('a key of the environment inside an uploaded file: redacted on disk, and the recording machine still replays it', async () => {
    const dir = tempDir()
    const env = { MY_VENDOR_API_KEY: 'vNd7Kq2Lp9Xs4Rt8Wz3Yb6Mc1Hf5Jg0' }
    const upload = () => {
      const form = new FormData()
      form.append('file', new Blob([`MY_VENDOR_API_KEY=${env.MY_VENDOR_API_KEY}\n`]), '.env')
      return fetch(`${base}/plain`, { method: 'POST', body: form }).then((response) => response.json())
    }
    const recorded = await session(dir, 'new', upload, { env })
    expect(recorded.error).toBeUndefined()
    expect(onDisk(dir)).not.toContain(env.MY_VENDOR_API_KEY)
    const replayed = await session(dir, 'replay', upload, { env })
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toEqual(recorded.result)
  })

  it('a test named after a key does not put the key in its file name or test_id', async () => {
    const dir = tempDir()
    const key = `ghp_${'aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6'}`
    const recorded = await session(dir, 'new', () => fetch(`${base}/plain`).then((r) => r.text()), {
      testName: `works with ${key}`,
    })
    expect(recorded.path).not.toContain(key)
    expect(recorded.path).toContain('works-with')
    expect(readRecording(recorded.path).test_id).toContain('[redacted]')
    expect(onDisk(dir)).not.toContain(key)
  })
})

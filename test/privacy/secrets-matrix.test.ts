import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'

const KEY = 'sk-live-9f8e7d6c5b4a39281706abcdef'

/** Where the key travels to the server. */
const CARRIERS: Record<string, (url: string) => [string, RequestInit]> = {
  authorization: (url) => [url, { headers: { authorization: `Bearer ${KEY}` } }],
  AUTHORIZATION: (url) => [url, { headers: { AUTHORIZATION: `Bearer ${KEY}` } }],
  'x-api-key': (url) => [url, { headers: { 'x-api-key': KEY } }],
  'X-Api-Key': (url) => [url, { headers: { 'X-Api-Key': KEY } }],
  'api-key': (url) => [url, { headers: { 'api-key': KEY } }],
  'x-goog-api-key': (url) => [url, { headers: { 'x-goog-api-key': KEY } }],
  'proxy-authorization': (url) => [url, { headers: { 'proxy-authorization': `Basic ${KEY}` } }],
  cookie: (url) => [url, { headers: { cookie: `session=${KEY}` } }],
  '?key=': (url) => [`${url}${url.includes('?') ? '&' : '?'}key=${KEY}`, {}],
  '?api_key=': (url) => [`${url}${url.includes('?') ? '&' : '?'}api_key=${KEY}`, {}],
  '?access_token=': (url) => [`${url}${url.includes('?') ? '&' : '?'}access_token=${KEY}`, {}],
}

/** Where the key comes back (or is repeated by the client). */
const ECHOES = [
  'response-header',
  'json-body',
  'sse-event',
  'text-body',
  'binary-body',
  'request-json-field',
  'multipart-part',
] as const

let server: Server
let base: string
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const echo = new URL(req.url ?? '/', 'http://x').searchParams.get('echo')
      if (echo === 'response-header') res.setHeader('x-echo', `key=${KEY}`)
      if (echo === 'sse-event') {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end(`data: {"delta":"the key is ${KEY}"}\n\ndata: [DONE]\n\n`)
      } else if (echo === 'text-body') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end(`your key: ${KEY}`)
      } else if (echo === 'binary-body') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        res.end(Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(KEY), Buffer.from([0x80])]))
      } else {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ echoed: echo === 'json-body' ? KEY : 'nothing', got: chunks.length }))
      }
    })
  }).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => server.close())

function requestFor(carrier: string, echo: (typeof ECHOES)[number]): [string, RequestInit] {
  const [url, init] = (CARRIERS[carrier] as (url: string) => [string, RequestInit])(
    `${base}/v1/x?echo=${echo}`,
  )
  if (echo === 'request-json-field') {
    return [
      url,
      {
        ...init,
        method: 'POST',
        headers: { ...init.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: KEY, q: 1 }),
      },
    ]
  }
  if (echo === 'multipart-part') {
    const form = new FormData()
    form.append('token', KEY)
    form.append('file', new Blob([`file mentions ${KEY}`]), 'a.txt')
    return [url, { ...init, method: 'POST', body: form }]
  }
  return [url, init]
}

function everyByteOnDisk(dir: string): Buffer {
  const all: Buffer[] = []
  const visit = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name)
      if (statSync(path).isDirectory()) visit(path)
      else all.push(readFileSync(path))
    }
  }
  visit(dir)
  return Buffer.concat(all)
}

describe(`secrets matrix: ${Object.keys(CARRIERS).length} carriers × ${ECHOES.length} echoes`, () => {
  it('no byte of the key reaches disk, every case still replays, and redactions are reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-secrets-'))
    const testFile = join(dir, 'secrets.test.ts')
    const cases = Object.keys(CARRIERS).flatMap((carrier) => ECHOES.map((echo) => ({ carrier, echo })))
    try {
      let redactions = 0
      // A fresh recorder per carrier: each must find the key on its own, not thanks to another.
      for (const carrier of Object.keys(CARRIERS)) {
        const recorder = createRecorder({ mode: 'update', rootDir: dir, env: {} }).install()
        try {
          for (const echo of ECHOES) {
            const run = recorder.startTest({ testFile, testName: `${carrier} / ${echo}` })
            await run.run(async () => {
              const [url, init] = requestFor(carrier, echo)
              await (await fetch(url, init)).arrayBuffer()
            })
            redactions += run.finish({ status: 'passed' }).redactions
          }
        } finally {
          await recorder.dispose()
        }
      }
      const disk = everyByteOnDisk(dir)
      expect(disk.length).toBeGreaterThan(10_000)
      expect(disk.includes(Buffer.from(KEY))).toBe(false)
      expect(disk.includes(Buffer.from(KEY.slice(8)))).toBe(false)
      // Every carrier × echo except plain JSON without the key wrote a redaction.
      expect(redactions).toBeGreaterThanOrEqual(Object.keys(CARRIERS).length * (ECHOES.length - 1))

      const replay = createRecorder({ mode: 'replay', rootDir: dir, env: {} }).install()
      try {
        for (const { carrier, echo } of cases) {
          const run = replay.startTest({ testFile, testName: `${carrier} / ${echo}` })
          const status = await run.run(async () => {
            const [url, init] = requestFor(carrier, echo)
            return (await fetch(url, init)).status
          })
          expect(run.error(), `${carrier} / ${echo}`).toBeUndefined()
          expect(status).toBe(200)
          run.finish({ status: 'passed' })
        }
      } finally {
        await replay.dispose()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('values of secret-looking environment variables are redacted even when no request carried them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-secrets-env-'))
    try {
      const recorder = createRecorder({
        mode: 'update',
        rootDir: dir,
        env: { OPENAI_API_KEY: KEY },
      }).install()
      try {
        const run = recorder.startTest({ testFile: join(dir, 'env.test.ts'), testName: 'env' })
        await run.run(async () => (await fetch(`${base}/v1/x?echo=json-body`)).text())
        expect(run.finish({ status: 'passed' }).redactions).toBe(1)
      } finally {
        await recorder.dispose()
      }
      expect(everyByteOnDisk(dir).includes(Buffer.from(KEY))).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('credentials known only by their field name', () => {
  it('client_secret in a form, api_key in JSON: redacted on disk even when no header or variable carried them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-secrets-fields-'))
    const secret = 'cs-only-in-the-body-0123456789'
    try {
      const recorder = createRecorder({ mode: 'update', rootDir: dir, env: {} }).install()
      try {
        const run = recorder.startTest({ testFile: join(dir, 'fields.test.ts'), testName: 'fields' })
        await run.run(async () => {
          await (
            await fetch(`${base}/v1/x?echo=none`, {
              method: 'POST',
              body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: secret }),
            })
          ).text()
          await (
            await fetch(`${base}/v1/x?echo=none`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: 'q', api_key: secret }),
            })
          ).text()
        })
        // One value in two places is one secret.
        expect(run.finish({ status: 'passed' }).redactions).toBe(1)
      } finally {
        await recorder.dispose()
      }
      expect(everyByteOnDisk(dir).includes(Buffer.from(secret))).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'

const SEED = 20261204
const COUNT = 240

/** Credential names as word parts, spelled every way below (`secret_key`, `secretKey`, …). */
const NAMES = [
  ['secret', 'key'],
  ['master', 'key'],
  ['encryption', 'key'],
  ['signing', 'key'],
  ['hmac', 'key'],
  ['ssh', 'key'],
  ['deploy', 'key'],
  ['session', 'key'],
  ['license', 'key'],
  ['private', 'key', 'pem'],
  ['private', 'key', 'data'],
  ['secret', 'string'],
  ['pass'],
  ['pwd'],
  ['passcode'],
  ['passphrase'],
  ['mnemonic'],
  ['seed', 'phrase'],
  ['recovery', 'code'],
  ['backup', 'codes'],
  ['otp'],
  ['mfa', 'code'],
  ['pin'],
  ['bearer'],
  ['jwt'],
  ['connection', 'string'],
  ['cookie'],
  ['auth'],
  ['auth', 'header'],
  ['api', 'key'],
  ['access', 'token'],
  ['client', 'secret'],
  ['secret', 'access', 'key'],
  ['session', 'token'],
]
const PREFIXES = [[], ['aws'], ['stripe'], ['db'], ['user'], ['my', 'app']]
const capital = (word: string) => `${word[0]?.toUpperCase()}${word.slice(1)}`
const SPELLINGS: Record<string, (words: string[]) => string> = {
  snake: (words) => words.join('_'),
  camel: (words) => words.map((word, index) => (index === 0 ? word : capital(word))).join(''),
  pascal: (words) => words.map(capital).join(''),
  upper: (words) => words.join('_').toUpperCase(),
  kebab: (words) => words.join('-'),
}

interface NameCase {
  id: string
  name: string
  direction: 'request' | 'response'
  body: 'json' | 'xml-element' | 'xml-attribute'
  value: string
}

const nameCase = fc.record({
  words: fc.constantFrom(...NAMES),
  prefix: fc.constantFrom(...PREFIXES),
  spelling: fc.constantFrom(...Object.keys(SPELLINGS)),
  direction: fc.constantFrom('request' as const, 'response' as const),
  body: fc.constantFrom('json' as const, 'xml-element' as const, 'xml-attribute' as const),
  // Opaque, with a digit: what a key, a PIN or a code looks like.
  value: fc.stringMatching(/^[A-Za-z0-9+/]{3,40}$/),
})
const CASES: NameCase[] = fc
  .sample(nameCase, { seed: SEED, numRuns: COUNT })
  .map(({ words, prefix, spelling, value, ...rest }, index) => ({
    ...rest,
    id: `n${index}`,
    name: (SPELLINGS[spelling] as (words: string[]) => string)([...prefix, ...words]),
    value: `${index}Q${value}7z`,
  }))

function bodyOf(name: string, value: string, kind: NameCase['body']): { type: string; text: string } {
  if (kind === 'json')
    return { type: 'application/json', text: JSON.stringify({ model: 'm-1', data: { [name]: value } }) }
  const inner =
    kind === 'xml-element' ? `<${name}>${value}</${name}>` : `<Item region="eu-1" ${name}="${value}"/>`
  return {
    type: 'text/xml',
    text: `<?xml version="1.0"?>\n<Result xmlns="urn:x">\n  <Name>ordinary-1</Name>\n  ${inner}\n</Result>\n`,
  }
}

/** Ordinary fields, some with names close to a credential's, with values that could be one. */
const ORDINARY: Record<string, unknown> = {
  model: 'gpt-4o-mini-2024',
  messages: [{ role: 'user', content: 'hello 42' }],
  keyboard: 'qwerty-2',
  passage: 'p4ssage text 12',
  author: 'ann-42',
  authority: 'x1-authority',
  token_count: '1234',
  max_tokens: 256,
  pinned: 'yes-7',
  passed: '3 of 4',
  passenger: 'seat 12A',
  pass: true,
  auth: { type: 'oauth', scopes: ['read:1'] },
  pin: 'top',
  otp: false,
  cookie: 'chocolate chip',
  pwd: '/home/me/project-2',
  session: { id: 's1-abc', user: 'u-2' },
  session_id: 'sess_123abc',
  token: ' Hello',
  key: 'user:42',
  public_key: 'pk-abc-123',
  primary_key: 'id-77',
  idempotency_key: 'idem-5f3a2b',
  access_key_id: 'AK-short-1',
  dsn: 'postgres://localhost:5432/app',
}

const served = new Map<string, { type: string; text: string }>()
let hits = 0
let server: Server
let base: string
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++
    req.resume()
    req.on('end', () => {
      const answer = served.get(req.url ?? '') ?? { type: 'application/json', text: '{"ok":1}' }
      res.writeHead(200, { 'content-type': answer.type })
      res.end(answer.text)
    })
  }).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  for (const leak of CASES)
    if (leak.direction === 'response') served.set(`/r/${leak.id}`, bodyOf(leak.name, leak.value, leak.body))
  served.set('/ordinary/json', { type: 'application/json', text: JSON.stringify(ORDINARY) })
})
afterAll(() => server.close())

async function send(leak: NameCase, value: string): Promise<string> {
  if (leak.direction === 'response') return (await fetch(`${base}/r/${leak.id}`)).text()
  const { type, text } = bodyOf(leak.name, value, leak.body)
  const answer = await fetch(`${base}/q/${leak.id}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: text,
  })
  return answer.text()
}

function recordingText(dir: string): string {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.json'),
  )
  return files.map((name) => readFileSync(join(dir, name), 'utf8')).join('\n')
}

async function inRun(dir: string, mode: 'update' | 'replay', body: () => Promise<void>): Promise<void> {
  const recorder = createRecorder({ mode, rootDir: dir, env: {} }).install()
  try {
    const run = recorder.startTest({ testFile: join(dir, 'names.test.ts'), testName: 'names' })
    await run.run(body)
    expect(run.error()).toBeUndefined()
    run.finish({ status: 'passed' })
  } finally {
    await recorder.dispose()
  }
}

describe(`credential field names: ${COUNT} cases (seed ${SEED}) of names × spellings × prefixes × directions × JSON/XML`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fr-names-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const answers = new Map<string, string>()

  it('no value reaches the file; an XML body is otherwise byte for byte as it was', async () => {
    await inRun(dir, 'update', async () => {
      for (const leak of CASES) answers.set(leak.id, await send(leak, leak.value))
    })
    const text = recordingText(dir)
    const leaked = CASES.filter((leak) => text.includes(leak.value)).map(
      (leak) => `${leak.name} (${leak.id})`,
    )
    expect(leaked).toEqual([])
    const file = JSON.parse(text) as {
      interactions: { request: { body?: unknown }; response: { body?: unknown } }[]
    }
    CASES.forEach((leak, index) => {
      const stored = file.interactions[index]?.[leak.direction].body
      const sent = bodyOf(leak.name, leak.value, leak.body)
      if (leak.body === 'json')
        expect(stored, leak.name).toEqual({ model: 'm-1', data: { [leak.name]: '[redacted]' } })
      else expect(stored, leak.name).toBe(sent.text.replace(leak.value, '[redacted]'))
    })
  })

  it('replays every case with other values in the requests, the server untouched', async () => {
    const before = hits
    await inRun(dir, 'replay', async () => {
      for (const leak of CASES) {
        const answer = await send(leak, `other-${leak.id}-9x`)
        if (leak.direction === 'request') expect(answer).toBe(answers.get(leak.id))
        else expect(answer).toContain('[redacted]')
      }
    })
    expect(hits).toBe(before)
  })
})

describe('ordinary fields, names close to a credential', () => {
  it('are stored as they were, in a request and in an answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-names-ordinary-'))
    try {
      await inRun(dir, 'update', async () => {
        await (
          await fetch(`${base}/ordinary/json`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(ORDINARY),
          })
        ).text()
      })
      const [interaction] = (
        JSON.parse(recordingText(dir)) as {
          interactions: { request: { body: unknown }; response: { body: unknown } }[]
        }
      ).interactions
      expect(interaction?.request.body).toEqual(ORDINARY)
      expect(interaction?.response.body).toEqual(ORDINARY)
      expect(recordingText(dir)).not.toContain('[redacted]')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

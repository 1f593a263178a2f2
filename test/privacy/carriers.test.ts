/**
 * Credentials that no header, parameter, field name or environment variable of the run carries,
 * written where a reader sees what they are: a name/value pair (`{"name": "API_KEY", "value": …}`
 * of a Kubernetes env list, Postman's `{"key": "Authorization", "value": …}`, AWS's
 * `{"Name": …, "Value": …}`), a `.env` line (`TOKEN=…`) in an upload or a text body, a path
 * parameter (`/echo/api_key=…`). Each is judged by the rule its spelling names (a field name,
 * a variable, a query parameter) and searched for everywhere else, UTF-16 echoes included.
 * Generated: key shapes × carriers × echoes, through a real loopback server.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { formsOf } from './leak-cases.js'

const SEED = 20261213
const COUNT = 120

type Carrier =
  | { kind: 'pair'; spelling: 'name/value' | 'key/value' | 'Name/Value'; name: string }
  | { kind: 'dotenv-upload' | 'dotenv-text'; line: string }
  | { kind: 'path'; template: string }
const ECHOES = ['none', 'json', 'utf16le', 'utf16be'] as const

interface CarrierCase {
  id: string
  key: string
  /** What a CI run sends: `dummy` where the name decides, a key of the same shape where the value does. */
  dummy: string
  carrier: Carrier
  echo: (typeof ECHOES)[number]
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const chars = (alphabet: string, min: number, max = min) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max })
/** Shapes no token format knows: only where they are written says what they are. */
const keyShape = fc.oneof(
  chars(ALNUM, 28, 40).map((body) => `${body}a7Q`),
  chars('0123456789abcdef', 40),
  // A random v4 UUID (fc.uuid() leans to `00000000-…`, which no rule takes for a key).
  chars('0123456789abcdef', 32).map(
    (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`,
  ),
  chars(`${ALNUM}+/`, 43).map((body) => `${body}9=`),
  fc.tuple(chars(ALNUM, 20), chars(ALNUM, 12)).map(([a, b]) => `${a}-${b}_x7`),
)
/** Names the field rule knows (any value is a credential's) and names only the variable rule knows. */
const FIELD_NAMES = ['API_KEY', 'Authorization', 'X-Api-Key', 'x-auth-token', 'client_secret', 'DB_PASSWORD']
const VARIABLE_NAMES = ['MY_SERVICE_TOKEN', 'STRIPE_SECRET', 'GH_PAT', 'TOKEN', 'SENTRY_DSN_KEY']
const carrier: fc.Arbitrary<Carrier> = fc.oneof(
  fc.record({
    kind: fc.constant('pair' as const),
    spelling: fc.constantFrom('name/value' as const, 'key/value' as const, 'Name/Value' as const),
    name: fc.constantFrom(...FIELD_NAMES, ...VARIABLE_NAMES),
  }),
  fc.record({
    kind: fc.constantFrom('dotenv-upload' as const, 'dotenv-text' as const),
    line: fc.constantFrom('TOKEN=@', 'export API_KEY="@"', "MY_SERVICE_TOKEN='@'", 'STRIPE_SECRET = @'),
  }),
  fc.record({
    kind: fc.constant('path' as const),
    template: fc.constantFrom('/v1/echo/api_key=@', '/v1/files;token=@/download', '/v1/x/sig=@'),
  }),
)
const byValueOnly = (c: Carrier) =>
  c.kind !== 'path' && (c.kind !== 'pair' || VARIABLE_NAMES.includes(c.name))

const cases: CarrierCase[] = fc
  .sample(fc.record({ key: keyShape, other: keyShape, carrier, echo: fc.constantFrom(...ECHOES) }), {
    seed: SEED,
    numRuns: COUNT,
  })
  .map(({ other, ...rest }, index) => ({
    ...rest,
    id: `k${index}`,
    dummy: byValueOnly(rest.carrier) ? other : 'dummy',
  }))

const ORDINARY = 'LOG_LEVEL=debug and the token count: ordinary words stay.'

/** The request of a case: where its key travels. */
function requestOf(leak: CarrierCase, key: string): { path: string; init: RequestInit } {
  const { carrier } = leak
  const json = (body: unknown) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  switch (carrier.kind) {
    case 'pair': {
      const [nameKey, valueKey] = carrier.spelling.split('/') as [string, string]
      const value = carrier.name === 'Authorization' ? `Bearer ${key}` : key
      const pair = (name: string, v: string) => ({ [nameKey]: name, [valueKey]: v })
      return {
        path: '/v1/echo',
        init: json({ env: [pair('LOG_LEVEL', 'debug'), pair(carrier.name, value)] }),
      }
    }
    case 'dotenv-upload': {
      const form = new FormData()
      form.append('file', new Blob([`LOG_LEVEL=debug\n${carrier.line.replace('@', key)}\n`]), '.env')
      return { path: '/v1/echo', init: { method: 'POST', body: form } }
    }
    case 'dotenv-text':
      return {
        path: '/v1/echo',
        init: {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: `# settings\nLOG_LEVEL=debug\n${carrier.line.replace('@', key)}\n`,
        },
      }
    case 'path':
      return { path: carrier.template.replace('@', encodeURIComponent(key)), init: {} }
  }
}

let server: Server
let base: string
let requests = 0
beforeAll(async () => {
  const byId = new Map(cases.map((leak) => [leak.id, leak]))
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      requests++
      const leak = byId.get(String(req.headers['x-case']))
      if (!leak) return void res.writeHead(404).end()
      const sent = `${req.url}\n${Buffer.concat(chunks).toString('utf8')}`
      if (leak.echo === 'none')
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ORDINARY }))
      if (leak.echo === 'json')
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ note: ORDINARY, you_sent: sent }))
      const utf16 = Buffer.from(`${ORDINARY} key=${leak.key};`, 'utf16le')
      const body = leak.echo === 'utf16le' ? utf16 : Buffer.from(utf16).swap16()
      const bom = leak.echo === 'utf16le' ? [0xff, 0xfe] : [0xfe, 0xff]
      res
        .writeHead(200, { 'content-type': 'application/octet-stream' })
        .end(Buffer.concat([Buffer.from(bom), body]))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const ask = async (leak: CarrierCase, key: string) => {
  const { path, init } = requestOf(leak, key)
  const response = await fetch(`${base}${path}`, { ...init, headers: { ...init.headers, 'x-case': leak.id } })
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) }
}

/** Every stored form of the key, UTF-16 in both byte orders too. */
function leaksOf(key: string, disk: string): string[] {
  const utf16 = Buffer.from(key, 'utf16le')
  const forms = [
    ...formsOf(key),
    utf16.toString('latin1'),
    Buffer.from(utf16).swap16().toString('latin1'),
    utf16.toString('base64').slice(4, -4),
    Buffer.from(utf16).swap16().toString('base64').slice(4, -4),
  ]
  return forms.filter((form) => form.length >= 12 && disk.includes(form))
}

function everyByteOnDisk(folder: string): string {
  const all: Buffer[] = []
  const visit = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name)
      if (statSync(path).isDirectory()) visit(path)
      else all.push(readFileSync(path))
    }
  }
  visit(folder)
  return Buffer.concat(all).toString('latin1')
}

async function runAll(dir: string, mode: 'update' | 'replay', keyOf: (leak: CarrierCase) => string) {
  const answers = new Map<string, { status: number; bytes: Buffer }>()
  for (const leak of cases) {
    // A fresh recorder per case, its environment empty: each must find its key on its own.
    const recorder = createRecorder({ mode, rootDir: dir, env: {} }).install()
    try {
      const run = recorder.startTest({ testFile: join(dir, 'carriers.test.ts'), testName: leak.id })
      answers.set(leak.id, await run.run(() => ask(leak, keyOf(leak))))
      expect(run.error(), `${leak.id} ${JSON.stringify(leak.carrier)} ${leak.echo}`).toBeUndefined()
      run.finish({ status: 'passed' })
    } finally {
      await recorder.dispose()
    }
  }
  return answers
}

describe(`carriers with no telling header: ${COUNT} cases (seed ${SEED}) of key shapes × carriers × echoes`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fr-carriers-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('no form of any key reaches disk, ordinary text stays, and replays match with the key or a dummy', async () => {
    const recorded = await runAll(dir, 'update', (leak) => leak.key)
    const disk = everyByteOnDisk(dir)
    const leaked = cases
      .filter((leak) => leaksOf(leak.key, disk).length > 0)
      .map((leak) => `${leak.id} ${JSON.stringify(leak.carrier)} ${leak.echo}: ${leaksOf(leak.key, disk)[0]}`)
    expect(leaked).toEqual([])
    expect(disk).toContain('LOG_LEVEL=debug')
    expect(disk).toContain('"LOG_LEVEL"')
    const kinds = new Set(cases.map((leak) => `${leak.carrier.kind}/${leak.echo}`))
    expect(kinds.size).toBe(16)

    const before = requests
    for (const keyOf of [(leak: CarrierCase) => leak.key, (leak: CarrierCase) => leak.dummy]) {
      const replayed = await runAll(dir, 'replay', keyOf)
      for (const leak of cases) {
        const { bytes } = replayed.get(leak.id) as { bytes: Buffer }
        const original = recorded.get(leak.id) as { bytes: Buffer }
        if (leak.echo === 'none') expect(bytes.equals(original.bytes)).toBe(true)
        if (leak.echo === 'json') expect(bytes.toString('utf8')).toContain(ORDINARY)
        if (leak.echo === 'utf16le' || leak.echo === 'utf16be') {
          // The UTF-16 text still decodes, with the placeholder in the key's place.
          const text = Buffer.from(bytes.subarray(2))
          if (leak.echo === 'utf16be') text.swap16()
          expect(text.toString('utf16le')).toBe(`${ORDINARY} key=[redacted];`)
        }
      }
    }
    expect(requests).toBe(before)
  })
})

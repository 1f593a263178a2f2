/**
 * Signed URLs a server hands out (Azure SAS `sig`, S3 `X-Amz-Signature`/`X-Amz-Credential`, GCS
 * `X-Goog-Signature`, a `token` parameter): their credential parameters are the request URL's
 * (docs/secrets.md), so they are redacted wherever a URL is written (bodies of every encoding,
 * headers, SSE events, NDJSON lines, a URL percent-encoded inside another), and `verify` flags
 * one a hand edit put back. Generated: signature shapes × providers × carriers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyFiles } from '../../src/cli/verify.js'
import { allFiles, session } from '../support/core-helpers.js'
import { formsOf } from './leak-cases.js'

const SEED = 20261212
const COUNT = 60

const CARRIERS = [
  'json',
  'location',
  'relative-location',
  'sse',
  'ndjson',
  'text',
  'binary',
  'nested',
  'html',
  'request-json',
] as const
type Carrier = (typeof CARRIERS)[number]
const PROVIDERS = ['azure', 's3', 'gcs', 'token'] as const

interface SignedCase {
  id: string
  signature: string
  provider: (typeof PROVIDERS)[number]
  carrier: Carrier
}

const bytes = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b))
const signature = fc.oneof(
  bytes.map((b) => b.toString('base64')),
  bytes.map((b) => b.toString('hex')),
  bytes.map((b) => b.toString('base64url')),
)
const cases: SignedCase[] = fc
  .sample(
    fc.record({
      signature,
      provider: fc.constantFrom(...PROVIDERS),
      carrier: fc.constantFrom(...CARRIERS),
    }),
    { seed: SEED, numRuns: COUNT },
  )
  .map((c, index) => ({ ...c, id: `s${index}` }))

/** The URL as each service writes it: ordinary parameters around the signature. */
function signedUrl({ provider, signature }: SignedCase, path = ''): string {
  const sig = encodeURIComponent(signature)
  switch (provider) {
    case 'azure':
      return `https://acct.blob.core.windows.net${path || '/c/b.txt'}?sv=2022-11-02&se=2030-01-01&sr=b&sp=r&sig=${sig}`
    case 's3':
      return `https://b.s3.amazonaws.com${path || '/k'}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${sig}%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Expires=900&X-Amz-Signature=${sig}`
    case 'gcs':
      return `https://storage.googleapis.com${path || '/b/o'}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=${sig}&X-Goog-Expires=600`
    case 'token':
      return `https://cdn.example.test${path || '/f.bin'}?token=${sig}&download=1`
  }
}

function answer(leak: SignedCase): { headers: Record<string, string>; body: string | Buffer } {
  const url = signedUrl(leak)
  const json = { 'content-type': 'application/json' }
  switch (leak.carrier) {
    case 'json':
    case 'request-json':
      return { headers: json, body: JSON.stringify({ url, expires_in: 3600 }) }
    case 'location':
      return { headers: { ...json, location: url }, body: '{}' }
    case 'relative-location':
      return {
        headers: { ...json, location: new URL(url).href.slice(new URL(url).origin.length) },
        body: '{}',
      }
    case 'sse': {
      const event = { choices: [{ index: 0, delta: { content: `Download: ${url}` } }] }
      return {
        headers: { 'content-type': 'text/event-stream' },
        body: `data: ${JSON.stringify(event)}\n\ndata: [DONE]\n\n`,
      }
    }
    case 'ndjson':
      return {
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${JSON.stringify({ url })}\n${JSON.stringify({ done: true })}\n`,
      }
    case 'text':
      return { headers: { 'content-type': 'text/plain' }, body: `Your file: ${url}\n` }
    case 'binary':
      return {
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.concat([Buffer.from([0xff, 0xfe, 0, 7]), Buffer.from(`url=${url}\n`)]),
      }
    case 'html':
      return {
        headers: { 'content-type': 'text/html' },
        body: `<p><a href="${url.replaceAll('&', '&amp;')}">download</a></p>`,
      }
    case 'nested':
      return {
        headers: json,
        body: JSON.stringify({
          next: `https://api.example.test/continue?return_to=${encodeURIComponent(url)}`,
        }),
      }
  }
}

let server: Server
let base: string
let requests = 0
beforeAll(async () => {
  const byId = new Map(cases.map((leak) => [leak.id, leak]))
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests++
      const leak = byId.get(new URL(req.url ?? '/', 'http://x').searchParams.get('case') ?? '')
      if (!leak) return void res.writeHead(404).end()
      const { headers, body } = answer(leak)
      res.writeHead(200, headers).end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** Every case in one test: what the client reads (headers and body as text). */
async function askAll(signatureOf: (leak: SignedCase) => string): Promise<string[]> {
  const seen: string[] = []
  for (const leak of cases) {
    const sent = signedUrl({ ...leak, signature: signatureOf(leak) }, '/upload')
    const response = await fetch(`${base}/presign?case=${leak.id}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json' },
      // The client sends a presigned URL back (an upload target): a request carries one too.
      body: JSON.stringify(leak.carrier === 'request-json' ? { upload_url: sent } : { n: leak.id }),
    })
    const body = Buffer.from(await response.arrayBuffer()).toString('latin1')
    seen.push(`${response.headers.get('location') ?? ''}\n${body}`)
  }
  return seen
}

/** The signature in each form it can take, also inside a URL percent-encoded in another. */
function leaksOf(leak: SignedCase, disk: string): string[] {
  const forms = [...formsOf(leak.signature), encodeURIComponent(encodeURIComponent(leak.signature))]
  return forms.filter((form) => form.length >= 16 && disk.includes(form))
}

describe(`signed URLs: ${COUNT} cases (seed ${SEED}) of signature shapes × providers × carriers`, () => {
  // One folder for both tests (record, then verify): not core-helpers' per-test temp dir.
  const dir = mkdtempSync(join(tmpdir(), 'fr-signed-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('no signature reaches disk; everything else of the URL stays; replay answers with [redacted]', async () => {
    const recorded = await session(dir, 'new', () => askAll((leak) => leak.signature))
    expect(recorded.thrown).toBeUndefined()
    expect(recorded.error).toBeUndefined()
    // While recording the client reads the real URLs.
    cases.forEach((leak, n) => {
      const written = encodeURIComponent(leak.signature)
      if (leak.carrier === 'request-json') return
      expect(recorded.result?.[n]).toContain(
        leak.carrier === 'nested' ? encodeURIComponent(written) : written,
      )
    })
    const disk = allFiles(dir)
      .map((path) => readFileSync(path, 'latin1'))
      .join('\n')
    const leaked = cases
      .filter((leak) => leaksOf(leak, disk).length > 0)
      .map((leak) => `${leak.id} ${leak.provider} ${leak.carrier}`)
    expect(leaked).toEqual([])
    for (const ordinary of [
      'sv=2022-11-02&se=2030-01-01',
      'X-Amz-Algorithm=AWS4-HMAC-SHA256',
      'X-Goog-Expires=600',
    ])
      expect(disk).toContain(ordinary)
    expect(new Set(cases.map((leak) => leak.carrier)).size).toBe(CARRIERS.length)
    expect(new Set(cases.map((leak) => leak.provider)).size).toBe(PROVIDERS.length)

    // CI: other signatures in the requests (a fresh upload URL), the server untouched.
    const before = requests
    const replayed = await session(dir, 'replay', () =>
      askAll((leak) => `${leak.signature.slice(0, 8)}other`),
    )
    expect(replayed.error).toBeUndefined()
    expect(requests).toBe(before)
    cases.forEach((leak, n) => {
      const seen = replayed.result?.[n] ?? ''
      if (leak.carrier === 'request-json') return
      expect(seen, `${leak.id} ${leak.carrier}`).not.toContain(encodeURIComponent(leak.signature))
      const name = { azure: 'sig', s3: 'X-Amz-Signature', gcs: 'X-Goog-Signature', token: 'token' }[
        leak.provider
      ]
      const written = leak.carrier === 'nested' ? `${name}%3D[redacted]` : `${name}=[redacted]`
      expect(seen, `${leak.id} ${leak.carrier}`).toContain(written)
    })
  })

  it('verify passes what the library wrote, and flags a signature a hand edit put back', async () => {
    const files = allFiles(dir).filter((path) => path.endsWith('.json'))
    expect(files.length).toBe(1)
    expect((await verifyFiles(files)).findings).toEqual([])
    const planted = files[0]!.replace(/\.json$/, '.planted.json')
    const text = readFileSync(files[0]!, 'utf8')
    // A hand edit that puts a signature back at each JSON-written URL of the file.
    const plantedText = text.replaceAll('Signature=[redacted]', 'Signature=Zk29vQ7pLmN3xR8tYb1cWd4e')
    writeFileSync(planted, plantedText)
    const { findings } = await verifyFiles([planted])
    const flagged = findings.filter((finding) => finding.rule === 'fetch-recordings/credential-param')
    const plantedLines = plantedText
      .split('\n')
      .flatMap((line, n) => (line.includes('Zk29vQ7pLmN3xR8tYb1cWd4e') ? [n + 1] : []))
    expect(plantedLines.length).toBeGreaterThan(3)
    expect(new Set(flagged.map((finding) => finding.line))).toEqual(new Set(plantedLines))
    for (const finding of flagged) expect(finding.message).not.toContain('Zk29vQ7pLmN3xR8tYb1cWd4e')
  })
})

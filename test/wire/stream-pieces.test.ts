/**
 * A stream that is neither SSE nor NDJSON (a text/plain token stream, bytes without a length)
 * reaches the client of a replay in the pieces the client of the recording read: one per read,
 * through fetch and through node:http (axios and got with a stream response). The server is
 * driven by its client (it writes the next piece only after the client read the last one), so
 * what the recording client read is known exactly; generated pieces (text with multi-byte
 * characters and ids, bytes), recorded, then replayed, and the two sequences of reads compared.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import axios from 'axios'
import fc from 'fast-check'
import got from 'got'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readRecording, session, tempDir } from '../support/core-helpers.js'

interface StreamCase {
  contentType: string
  pieces: Buffer[]
}

const SEED = 20261205
const CASE_COUNT = 40
/** The node:http clients replay the first few cases each (a stream per request is what they add). */
const NODE_HTTP_CASES = 8

const textPiece = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'ab c\n{}"é€😀\t'.split(/(?:)/u)), minLength: 1, maxLength: 10 }),
    fc.boolean(),
  )
  .map(([text, id]) => Buffer.from(id ? `${text} chatcmpl-AbCdEfGh12345678` : text))
const streamCase: fc.Arbitrary<StreamCase> = fc.oneof(
  fc.record({
    contentType: fc.constantFrom('text/plain; charset=utf-8', 'text/plain', 'text/markdown'),
    pieces: fc.array(textPiece, { minLength: 1, maxLength: 6 }),
  }),
  fc.record({
    contentType: fc.constantFrom('application/octet-stream', 'audio/mpeg'),
    pieces: fc.array(
      fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => Buffer.from(bytes)),
      { minLength: 1, maxLength: 6 },
    ),
  }),
)
const cases = fc.sample(streamCase, { seed: SEED, numRuns: CASE_COUNT })

/** Per stream being served: writes its next piece (or ends it). Called by the client after each read. */
const advances = new Map<string, () => void>()
const advance = (n: number) => advances.get(String(n))?.()

/** A credential the network cut across two reads (a token format, and a value of the environment). */
const TOKEN = `ghp_${'aB3dE5fG7h'.repeat(4)}`
const ENV_SECRET = 'zq8-private-Value-9931-xk'
const SECRET_CASES: StreamCase[] = [
  {
    contentType: 'text/plain',
    pieces: ['your token is ', TOKEN.slice(0, 20), TOKEN.slice(20), ' and more', ' text'].map((t) =>
      Buffer.from(t),
    ),
  },
  {
    contentType: 'application/octet-stream',
    pieces: [
      Buffer.from([0xff, 1]),
      Buffer.from(ENV_SECRET.slice(0, 9)),
      Buffer.from(`${ENV_SECRET.slice(9)}\xff`, 'latin1'),
      Buffer.from([0xfe]),
    ],
  },
]

let base: string
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const n = url.searchParams.get('n') ?? ''
  const found = url.pathname === '/secret' ? SECRET_CASES[Number(n)] : cases[Number(n)]
  if (!found) return void res.writeHead(404).end()
  // No content-length: a stream, chunked as the server writes it.
  res.writeHead(200, { 'content-type': found.contentType })
  let next = 0
  const step = () => {
    if (next < found.pieces.length) res.write(found.pieces[next++])
    else {
      advances.delete(n)
      res.end()
    }
  }
  advances.set(n, step)
  step()
})
beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => server.close())

/** Every read of every case through fetch, as hex. */
async function readWithFetch(path = '/stream', count = cases.length): Promise<string[][]> {
  const all: string[][] = []
  for (let n = 0; n < count; n++) {
    const reader = (await fetch(`${base}${path}?n=${n}`)).body!.getReader()
    const reads: string[] = []
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      reads.push(Buffer.from(read.value).toString('hex'))
      advance(n)
    }
    all.push(reads)
  }
  return all
}

async function readStream(n: number, body: AsyncIterable<Buffer>): Promise<string[]> {
  const reads: string[] = []
  for await (const chunk of body) {
    reads.push(Buffer.from(chunk).toString('hex'))
    advance(n)
  }
  return reads
}

async function readWithNodeHttp(): Promise<{ axios: string[][]; got: string[][] }> {
  const out = { axios: [] as string[][], got: [] as string[][] }
  for (let n = 0; n < NODE_HTTP_CASES; n++) {
    const response = await axios.get(`${base}/stream?n=${n}&client=axios`, { responseType: 'stream' })
    out.axios.push(await readStream(n, response.data))
    out.got.push(await readStream(n, got.stream(`${base}/stream?n=${n}&client=got`)))
  }
  return out
}

const hexOf = (pieces: Buffer[]) => pieces.map((piece) => piece.toString('hex'))

describe('a stream that is not SSE or NDJSON replays in the pieces its client read', () => {
  const options = { testName: 'suite > pieces' }

  it(`through fetch (${CASE_COUNT} generated cases, seed ${SEED})`, async () => {
    const dir = tempDir('fr-pieces-')
    const recorded = await session(dir, 'new', () => readWithFetch(), options)
    const replayed = await session(dir, 'replay', () => readWithFetch(), options)
    expect(recorded.thrown).toBeUndefined()
    expect(replayed.thrown).toBeUndefined()
    let streamed = 0
    cases.forEach((sent, n) => {
      const label = `case ${n}: ${sent.contentType} ${JSON.stringify(hexOf(sent.pieces))}`
      const reads = recorded.result?.[n] ?? []
      // Text is read with normalized ids; bytes exactly as sent, one read per write.
      if (!sent.contentType.startsWith('text/')) expect(reads, label).toEqual(hexOf(sent.pieces))
      else expect(reads.length, label).toBe(sent.pieces.length)
      if (reads.length > 1) streamed++
      expect(replayed.result?.[n], label).toEqual(reads)
    })
    // The generator makes streams of several pieces (without them, nothing here is tested).
    expect(streamed).toBeGreaterThan(CASE_COUNT / 2)
    const stored = readRecording(recorded.path).interactions.map((interaction) => interaction.response)
    const textual = stored.find(
      (response) => response.body_encoding === 'text' && Array.isArray(response.body),
    )
    // Stored readable: the text pieces as strings, one line each, and marked a stream.
    expect(textual?.is_streaming).toBe(true)
  })

  it(`through node:http: axios and got with a stream response (${NODE_HTTP_CASES} cases each)`, async () => {
    const dir = tempDir('fr-pieces-http-')
    const recorded = await session(dir, 'new', readWithNodeHttp, options)
    const replayed = await session(dir, 'replay', readWithNodeHttp, options)
    expect(recorded.thrown).toBeUndefined()
    expect(replayed.thrown).toBeUndefined()
    for (const client of ['axios', 'got'] as const) {
      for (let n = 0; n < NODE_HTTP_CASES; n++) {
        const label = `${client} case ${n}: ${JSON.stringify(hexOf((cases[n] as StreamCase).pieces))}`
        const reads = recorded.result?.[client][n] ?? []
        expect(reads.length, label).toBe((cases[n] as StreamCase).pieces.length)
        expect(replayed.result?.[client][n], label).toEqual(reads)
      }
    }
  })

  it('a credential cut across two reads is redacted whole; the other pieces keep their cuts', async () => {
    const dir = tempDir('fr-pieces-secret-')
    const read = () => readWithFetch('/secret', SECRET_CASES.length)
    const secretOptions = { ...options, env: { MY_SERVICE_API_KEY: ENV_SECRET } }
    const recorded = await session(dir, 'new', read, secretOptions)
    expect(recorded.thrown).toBeUndefined()
    const text = readFileSync(recorded.path, 'utf8')
    const [textual, binary] = readRecording(recorded.path).interactions.map(
      (interaction) => interaction.response,
    )
    for (const piece of [
      TOKEN,
      TOKEN.slice(0, 20),
      TOKEN.slice(20),
      ENV_SECRET.slice(0, 9),
      ENV_SECRET.slice(9),
    ])
      expect(text).not.toContain(piece)
    expect(textual?.body).toEqual(['your token is ', '[redacted]', ' and more', ' text'])
    const bytes = ((binary?.body ?? []) as string[]).map((piece) =>
      Buffer.from(piece, 'base64').toString('latin1'),
    )
    expect(bytes.join('')).not.toContain(ENV_SECRET.slice(0, 9))
    expect(bytes.at(-1)).toBe('\xfe')
    const replayed = await session(dir, 'replay', read, secretOptions)
    expect(replayed.result?.[0]?.map((hex) => Buffer.from(hex, 'hex').toString())).toEqual(textual?.body)
  })

  it('a file written before pieces were kept (one string, no is_streaming) replays whole', async () => {
    const dir = tempDir('fr-pieces-old-')
    const read = () => readWithFetch('/stream', 1)
    const recorded = await session(dir, 'new', read, options)
    const file = readRecording(recorded.path)
    const response = file.interactions[0]!.response
    const whole = Buffer.concat(
      ((response.body as string[]) ?? []).map((piece) =>
        Buffer.from(piece, response.body_encoding === 'base64' ? 'base64' : 'utf8'),
      ),
    )
    response.body = response.body_encoding === 'base64' ? whole.toString('base64') : whole.toString('utf8')
    response.is_streaming = false
    writeFileSync(recorded.path, `${JSON.stringify(file, null, 2)}\n`)
    const replayed = await session(
      dir,
      'replay',
      async () => {
        const answer = await fetch(`${base}/stream?n=0`)
        return { length: answer.headers.get('content-length'), reads: await readWithFetchBody(answer) }
      },
      options,
    )
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.result?.reads).toEqual([whole.toString('hex')])
    expect(replayed.result?.length).toBe(String(whole.length))
  })
})

async function readWithFetchBody(answer: Response): Promise<string[]> {
  const reader = answer.body!.getReader()
  const reads: string[] = []
  for (let read = await reader.read(); !read.done; read = await reader.read())
    reads.push(Buffer.from(read.value).toString('hex'))
  return reads
}

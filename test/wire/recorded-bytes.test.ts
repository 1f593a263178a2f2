/**
 * What the client of a recording run reads is what the server sent, byte for byte, and what a
 * replay serves is the same: text in other charsets than UTF-8 (generated cases), and text
 * streams without line ends, whose chunks reach the client as they arrive.
 */
import { createServer, type ServerResponse } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { session, tempDir } from '../support/core-helpers.js'

interface BodyCase {
  contentType: string
  bytes: Buffer
}

const SEED = 20261201
const CASE_COUNT = 60

/** A charset other than UTF-8 (declared or not), the bytes of text in it, the ids an API puts in. */
const bodyCase: fc.Arbitrary<BodyCase> = fc
  .record({
    type: fc.constantFrom('text/plain', 'application/json', 'text/html', 'text/csv'),
    charset: fc.constantFrom('iso-8859-1', 'ISO-8859-15', 'windows-1252', '"latin1"', undefined),
    text: fc.string({ unit: fc.constantFrom(...'abc £café naïve ÿ€\n"{}:'.split('')), maxLength: 40 }),
    id: fc.boolean(),
    extra: fc.uint8Array({ maxLength: 4 }),
  })
  .map(({ type, charset, text, id, extra }) => {
    const body =
      type === 'application/json' ? `{"id":"chatcmpl-AbCdEfGh12345678","t":${JSON.stringify(text)}}` : text
    const latin1 = Buffer.from(`${id ? 'chatcmpl-AbCdEfGh12345678 ' : ''}${body}é`, 'latin1')
    return {
      contentType: charset ? `${type}; charset=${charset}` : type,
      bytes: charset ? latin1 : Buffer.concat([latin1, Buffer.from(extra), Buffer.from([0xff])]),
    }
  })

const cases = fc.sample(bodyCase, { seed: SEED, numRuns: CASE_COUNT })

/** Ends each held stream: the client asks once it has read the first chunk. */
const releases = new Map<string, () => void>()
const STREAMS: Record<string, { contentType: string; first: string; rest: string[] }> = {
  '/tokens': {
    contentType: 'text/plain; charset=utf-8',
    first: 'Hello',
    rest: [' wor', 'ld', ' from a stream'],
  },
  '/chunked-json': {
    contentType: 'application/json',
    first: '{"id":"chatcmpl-AbCdEfGh12345678",',
    rest: ['"choices":[{"text":"caf', 'é"}]}'],
  },
}

function holdStream(res: ServerResponse, path: string): void {
  const stream = STREAMS[path]
  if (!stream) return void res.writeHead(404).end()
  res.writeHead(200, { 'content-type': stream.contentType })
  res.write(stream.first)
  const finish = () => {
    releases.delete(path)
    for (const piece of stream.rest) res.write(piece)
    res.end()
  }
  releases.set(path, finish)
  // A client that never gets its first chunk never releases: end anyway so the test fails on
  // what it read rather than hanging.
  setTimeout(() => releases.get(path) === finish && finish(), 10_000).unref()
}

/** Events whose data a parser reads with its line ends (and a BOM the stream starts with). */
const SSE_EVENTS = [
  '\uFEFFdata: {"a":1}\n\n',
  'data: {"a":1}\ndata:\n\n',
  'data: {"a":\ndata: 1}\n\n',
  'event: done\ndata: [DONE]\n\n',
]

let base: string
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  if (url.pathname === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const event of SSE_EVENTS) res.write(event)
    res.end()
  } else if (url.pathname === '/case') {
    const found = cases[Number(url.searchParams.get('n'))] as BodyCase
    res.writeHead(200, { 'content-type': found.contentType, 'content-length': found.bytes.length })
    res.end(found.bytes)
  } else if (url.pathname === '/release') {
    const released = releases.get(String(url.searchParams.get('path')))
    released?.()
    res.end(released ? 'released' : 'already over')
  } else {
    holdStream(res, url.pathname)
  }
})
beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => server.close())

async function readAllCases(): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (let n = 0; n < cases.length; n++)
    out.push(Buffer.from(await (await fetch(`${base}/case?n=${n}`)).arrayBuffer()))
  return out
}

/** The first read, whether the server was still holding the rest then, and the whole body. */
async function readStream(path: string) {
  const reader = (await fetch(`${base}${path}`)).body!.getReader()
  const first = Buffer.from((await reader.read()).value ?? [])
  const released = await (await fetch(`${base}/release?path=${path}`)).text()
  const chunks = [first]
  for (let read = await reader.read(); !read.done; read = await reader.read())
    chunks.push(Buffer.from(read.value))
  return { first: first.toString('utf8'), released, whole: Buffer.concat(chunks) }
}

describe('the bytes a recording run reads are the bytes the server sent, and replay serves them', () => {
  const dir = tempDir('fr-bytes-')
  const options = { testName: 'suite > bytes' }

  it(`text in another charset than UTF-8 (${CASE_COUNT} generated cases, seed ${SEED})`, async () => {
    const recorded = await session(dir, 'new', readAllCases, options)
    const replayed = await session(dir, 'replay', readAllCases, options)
    expect(recorded.thrown).toBeUndefined()
    expect(replayed.thrown).toBeUndefined()
    cases.forEach((sent, n) => {
      const label = `case ${n}: ${sent.contentType} ${sent.bytes.toString('hex')}`
      expect(recorded.result?.[n]?.toString('hex'), label).toBe(sent.bytes.toString('hex'))
      expect(replayed.result?.[n]?.toString('hex'), label).toBe(sent.bytes.toString('hex'))
    })
  })

  it('SSE data over several lines, a last empty data line and a BOM replay as recorded', async () => {
    const sseDir = tempDir('fr-sse-')
    const read = async () => Buffer.from(await (await fetch(`${base}/sse`)).arrayBuffer()).toString('utf8')
    const recorded = await session(sseDir, 'new', read, options)
    const replayed = await session(sseDir, 'replay', read, options)
    const sent = SSE_EVENTS.join('')
    expect(recorded.result).toBe(sent)
    // Replay may print `data:` as `data: ` (a parser reads the same); the data itself is kept.
    expect(replayed.result?.replace(/^data: $/gm, 'data:')).toBe(sent)
  })

  it('a stream without line ends reaches the client a chunk at a time while recording', async () => {
    const streamDir = tempDir('fr-stream-')
    const readBoth = async () => ({
      tokens: await readStream('/tokens'),
      json: await readStream('/chunked-json'),
    })
    const recorded = await session(streamDir, 'new', readBoth, options)
    const replayed = await session(streamDir, 'replay', readBoth, options)
    const { tokens, json } = recorded.result!
    // Released by the client after its first read: that read came before the server's last chunk.
    expect(tokens.released).toBe('released')
    expect(tokens.first).toBe('Hello')
    expect(tokens.whole.toString()).toBe('Hello world from a stream')
    expect(json.released).toBe('released')
    expect(json.first).toMatch(/^\{"id":"chatcmpl-[A-Za-z0-9]{16}",$/)
    expect(json.first).not.toContain('chatcmpl-AbCdEfGh12345678')
    expect(JSON.parse(json.whole.toString()).choices[0].text).toBe('café')
    expect(replayed.result?.tokens.whole.toString('hex')).toBe(tokens.whole.toString('hex'))
    expect(replayed.result?.json.whole.toString('hex')).toBe(json.whole.toString('hex'))
  })
})

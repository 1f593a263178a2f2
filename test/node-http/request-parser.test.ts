/**
 * The request parser against what Node's client really writes: generated requests (methods,
 * paths, header sets, bodies of any bytes, content-length or chunked framing) written by a real
 * `ClientRequest` onto a socket that splits the bytes at generated points.
 */
import http from 'node:http'
import { Duplex } from 'node:stream'
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { type ParsedRequest, RequestParser } from '../../src/transports/node-http/request-parser.js'

const SEED = 20261201
const RUNS = 150

/** A socket that captures what the client writes and never answers. */
class CaptureSocket extends Duplex {
  readonly written: Buffer[] = []
  connecting = false
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.written.push(chunk)
    callback()
  }
  setTimeout(): this {
    return this
  }
  setNoDelay(): this {
    return this
  }
  setKeepAlive(): this {
    return this
  }
}

interface Generated {
  method: string
  path: string
  headers: Record<string, string>
  pieces: Uint8Array[]
  framing: 'length' | 'chunked'
}

function writeWithNode(request: Generated): Promise<Buffer> {
  const socket = new CaptureSocket()
  const bodyLength = request.pieces.reduce((sum, piece) => sum + piece.length, 0)
  const headers = { ...request.headers }
  if (request.framing === 'length') headers['content-length'] = String(bodyLength)
  const client = http.request({
    host: 'api.example.test',
    method: request.method,
    path: request.path,
    headers,
    createConnection: () => socket as any,
  })
  client.on('error', () => {})
  for (const piece of request.pieces.slice(0, -1)) client.write(piece)
  client.end(request.pieces.at(-1))
  return new Promise((resolve) => client.on('finish', () => resolve(Buffer.concat(socket.written))))
}

const headerName = fc.stringMatching(/^x-[a-z][a-z0-9-]{0,12}$/)
const headerValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/)
// Node writes a DELETE body with no framing at all unless content-length is given: servers
// cannot read it either, so DELETE bodies come with a length here.
const generated = fc
  .record({
    method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'),
    path: fc.webPath().map((path) => `/${path.replace(/^\/+/, '')}`),
    headers: fc.dictionary(headerName, headerValue, { maxKeys: 5 }),
    pieces: fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }),
    framing: fc.constantFrom<'length' | 'chunked'>('length', 'chunked'),
  })
  .map((request) => (request.method === 'DELETE' ? { ...request, framing: 'length' as const } : request))

test(`parses what Node's client writes, split anywhere (${RUNS} cases, seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(generated, fc.array(fc.nat(), { maxLength: 6 }), async (request, cuts) => {
      const bytes = await writeWithNode(request)
      const parsed: ParsedRequest[] = []
      const heads: string[] = []
      const parser = new RequestParser({
        head: (head) => heads.push(head.target),
        request: (r) => parsed.push(r),
      })
      const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b)
      let from = 0
      for (const point of [...points, bytes.length]) {
        parser.push(bytes.subarray(from, point))
        from = point
      }
      expect(heads).toEqual([request.path])
      expect(parsed).toHaveLength(1)
      const [only] = parsed
      expect(only?.method).toBe(request.method)
      expect(only?.body).toEqual(Buffer.concat(request.pieces))
      const names = (only?.rawHeaders ?? []).filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase())
      for (const name of Object.keys(request.headers)) expect(names).toContain(name)
    }),
    { seed: SEED, numRuns: RUNS },
  )
})

test('two requests back to back on one socket, and malformed input is an error', () => {
  const parsed: ParsedRequest[] = []
  const parser = new RequestParser({ head: () => {}, request: (r) => parsed.push(r) })
  parser.push(
    Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi'),
  )
  expect(parsed.map((r) => [r.method, r.target, r.body.toString()])).toEqual([
    ['GET', '/a', ''],
    ['POST', '/b', 'hi'],
  ])
  expect(() => parser.push(Buffer.from('BROKEN\r\n\r\n'))).toThrow(/not an HTTP\/1.1 request line/)
})

/**
 * Found from outside: a re-record of the same traffic changed the file through values that
 * are fresh on every call but were not known as such: trace and request-id headers of Azure
 * and AWS, an SSE stream's `id:` lines, OpenAI's `system_fingerprint`. The server here mints
 * all of them anew per request; two update runs must write the same bytes, and the replay
 * must answer what the recording run's client saw.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { recordingFiles, session, tempDir } from '../support/core-helpers.js'

const hex = (bytes: number) => randomBytes(bytes).toString('hex')
const server = createServer((req, res) => {
  req.resume()
  res.setHeader('content-type', 'text/event-stream')
  res.setHeader('apim-request-id', randomUUID())
  res.setHeader('x-ms-request-id', randomUUID())
  res.setHeader('x-amzn-trace-id', `Root=1-${hex(4)}-${hex(12)}`)
  res.setHeader('x-trace-id', hex(16))
  res.setHeader('tracestate', `vendor=${hex(8)}`)
  const fingerprint = `fp_${hex(5)}`
  const events = [randomUUID(), hex(12), `evt_${hex(10)}`].map(
    (id, i) => `id: ${id}\ndata: ${JSON.stringify({ n: i, system_fingerprint: fingerprint })}\n\n`,
  )
  res.end(events.join(''))
})
let base = ''
beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => server.close())

const stream = async () => (await fetch(`${base}/v1/stream`, { method: 'POST', body: '{}' })).text()

it('a re-record of fresh trace headers, event ids and fingerprints writes the same bytes', async () => {
  const dir = tempDir()
  const first = await session(dir, 'update', stream)
  expect(first.error).toBeUndefined()
  const [path] = recordingFiles(dir)
  const text = readFileSync(path as string, 'utf8')
  const again = await session(dir, 'update', stream)
  expect(again.outcome.change).toBe('none')
  expect(readFileSync(path as string, 'utf8')).toBe(text)
  expect(text).not.toMatch(/apim-request-id|x-ms-request-id|x-amzn-trace-id|x-trace-id|tracestate/)
  // Normalized (the byte-identical re-record says so) in their own shapes: a uuid v4, fp_ and 10 hex.
  expect(first.result).toMatch(/^id: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}\n/)
  expect(first.result).toMatch(/"system_fingerprint":"fp_[0-9a-f]{10}"/)
  const replayed = await session(dir, 'replay', stream)
  expect(replayed.error).toBeUndefined()
  expect(replayed.result).toBe(again.result)
})

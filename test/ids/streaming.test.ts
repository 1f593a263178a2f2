import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { session, tempDir } from '../support/core-helpers.js'

let base: string
/** Ends the slow text stream: the test asks for it once it has read the first line. */
let release: (() => void) | undefined
const server = createServer((req, res) => {
  if (req.url === '/slow-text') {
    // A chunked text/plain stream (like the AI SDK's toTextStreamResponse): one line, then
    // nothing until the client has read it (an event, not a delay: a busy machine could
    // otherwise read late enough to see both lines in one read).
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
    res.write('first chatcmpl-AbCdEfGh12345678\n')
    release = () => res.end('second\n')
  } else if (req.url === '/release') {
    release?.()
    res.end()
  } else {
    const body = 'data: {"id":"chatcmpl-AbCdEfGh12345678"}\n\ndata: [DONE]\n\n'
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'content-length': String(Buffer.byteLength(body)),
    })
    res.end(body)
  }
})
beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => server.close())

describe('normalizeIds while recording', () => {
  it('keeps a streamed text/plain body streaming (the first line arrives before the stream ends)', async () => {
    const recorded = await session(tempDir(), 'new', async () => {
      const reader = (await fetch(`${base}/slow-text`)).body!.getReader()
      const first = new TextDecoder().decode((await reader.read()).value)
      await (await fetch(`${base}/release`)).text()
      while (!(await reader.read()).done) {}
      return { first }
    })
    // Held to the end, the first read would hold the whole body, "second" included.
    expect(recorded.result?.first).toMatch(/^first chatcmpl-[A-Za-z0-9]{16}\n$/)
    expect(recorded.result?.first).not.toContain('AbCdEfGh12345678')
  })

  it('drops the server content-length of a body it rewrote (the client reads it whole)', async () => {
    const recorded = await session(tempDir(), 'new', async () => {
      const response = await fetch(`${base}/sse`)
      return { length: response.headers.get('content-length'), text: await response.text() }
    })
    expect(recorded.result?.length).toBeNull()
    expect(recorded.result?.text).toMatch(/^data: \{"id":"chatcmpl-[A-Za-z0-9]{16}"\}\n\ndata: \[DONE\]\n\n$/)
    expect(recorded.result?.text).not.toContain('AbCdEfGh12345678')
  })
})

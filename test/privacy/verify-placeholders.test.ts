/**
 * `verify` never flags what the library wrote: a placeholder, alone or after a scheme word or a
 * name (`Basic [redacted]`, `Bearer [redacted]`, `sid=[redacted]`), holds nothing of a credential.
 * A server that echoes the request's `authorization` in a header of a credential-like name
 * (`x-echo-auth`) made `verify` exit 1 on a file fresh from the write path.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import axios from 'axios'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runVerify } from '../../src/cli/verify.js'
import { readRecording, session, tempDir } from '../support/core-helpers.js'

let server: Server
let base: string
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '')
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-echo-auth': auth,
        'x-session-token': `Bearer ${auth.split(' ')[1] ?? ''}`,
      })
      res.end(
        JSON.stringify({ auth, cookie: `sid=${auth.split(' ')[1] ?? ''}`, password: 'hunter2-Zk29vQ7p' }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

async function verify(dir: string): Promise<{ code: number; out: string }> {
  const lines: string[] = []
  const code = await runVerify([dir], (line) => lines.push(line))
  return { code, out: lines.join('\n') }
}

describe('verify and the placeholders the write path leaves', () => {
  it('a file the library wrote passes, with `Basic [redacted]` and `Bearer [redacted]` in it', async () => {
    const dir = tempDir()
    const recorded = await session(dir, 'new', () =>
      axios.get(`${base}/echo`, { auth: { username: 'svc', password: 'Zk29vQ7pLmN3xR8tYb1c' } }),
    )
    expect(recorded.error).toBeUndefined()
    const { response } = readRecording(recorded.path).interactions[0]!
    expect(response.headers['x-echo-auth']).toBe('Basic [redacted]')
    expect(response.headers['x-session-token']).toBe('Bearer [redacted]')
    const result = await verify(dir)
    expect(result.out).not.toContain('credential-field')
    expect(result.code, result.out).toBe(0)
  })

  it('a placeholder after any scheme word or name passes; a real value in the same place is flagged', async () => {
    const dir = tempDir()
    const folder = join(dir, '__recordings__', 'a.test.ts')
    mkdirSync(folder, { recursive: true })
    const file = (headers: Record<string, string>) => ({
      format: 'fetch-recordings/1',
      test_id: 't',
      interactions: [
        {
          request: { method: 'GET', url: 'https://api.example.test/x', endpoint: '/x', headers: {} },
          response: { status: 200, headers, is_streaming: false, body_encoding: 'json', body: headers },
          id_normalization_mapping: {},
        },
      ],
    })
    const placeholders = {
      'x-echo-auth': 'Basic [redacted]',
      'x-session-token': 'Bearer [redacted]',
      'x-api-key': 'Token token=[redacted]',
      authorization: 'SSWS [redacted]',
      cookie: 'sid=[redacted]',
      password: '[redacted]',
    }
    writeFileSync(join(folder, 'ok.json'), JSON.stringify(file(placeholders), null, 2))
    const clean = await verify(dir)
    expect(clean.code, clean.out).toBe(0)
    writeFileSync(
      join(folder, 'planted.json'),
      JSON.stringify(file({ ...placeholders, 'x-echo-auth': 'Basic [redacted] dXNlcjpodW50ZXIy' }), null, 2),
    )
    const planted = await verify(dir)
    expect(planted.code).toBe(1)
    expect(planted.out).toMatch(/planted\.json:\d+:\d+: fetch-recordings\/credential-field: "x-echo-auth"/)
  })
})

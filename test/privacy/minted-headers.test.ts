/**
 * A credential the server mints in a response header of its own (`x-auth-token` of a login, an
 * `x-amz-security-token`), and echoes in the body: judged by the field rule, as the same name in
 * a body is, so no form of it reaches disk; headers named for data (`x-total-tokens`, `x-token-type`)
 * stay as sent. Left open by the last round (docs/secrets.md).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { readRecording, session, tempDir } from '../support/core-helpers.js'

const CREDENTIAL_HEADERS = [
  'x-auth-token',
  'x-session-token',
  'x-amz-security-token',
  'x-api-key',
  'x-csrf-token',
]
const DATA_HEADERS = { 'x-total-tokens': '1234', 'x-token-type': 'bearer', 'x-page': '3' }

let server: Server
let base: string
/** What the next answer mints: the header's name and its value. */
let minted: { name: string; value: string } = { name: 'x-auth-token', value: '' }
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.setHeader(minted.name, minted.value)
    for (const [name, value] of Object.entries(DATA_HEADERS)) res.setHeader(name, value)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ session: 'ok', note: `your token is ${minted.value}.` }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const opaque = fc
  .stringMatching(/^[A-Za-z0-9]{24,48}$/)
  .filter((value) => /\d/.test(value) && /[A-Z]/.test(value))

it('a credential-named response header never reaches disk, nor its echo; data headers stay (60 cases, seed 20261216)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...CREDENTIAL_HEADERS), opaque, async (name, value) => {
      minted = { name, value }
      const dir = tempDir()
      const recorded = await session(dir, 'new', async () => {
        const response = await fetch(`${base}/login`, { method: 'POST' })
        return { header: response.headers.get(name), body: await response.json() }
      })
      // The test got the real answer while recording.
      expect(recorded.result?.header).toBe(value)
      const text = JSON.stringify(readRecording(recorded.path))
      expect(text).not.toContain(value)
      expect(text).not.toContain(value.slice(0, 16))
      const { response } = readRecording(recorded.path).interactions[0]!
      expect(response.headers[name]).toBe('[redacted]')
      for (const [data, kept] of Object.entries(DATA_HEADERS)) expect(response.headers[data]).toBe(kept)
      const replayed = await session(dir, 'replay', async () =>
        (await fetch(`${base}/login`, { method: 'POST' })).json(),
      )
      expect(replayed.error).toBeUndefined()
      expect(replayed.result).toEqual({ session: 'ok', note: 'your token is [redacted].' })
    }),
    { numRuns: 60, seed: 20261216 },
  )
})

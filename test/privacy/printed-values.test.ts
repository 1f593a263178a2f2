/**
 * Keys in what a runner prints of the test's own values. Found from outside (Node 20 and 22,
 * Vitest 4 and 5): a failed `toEqual` whose diff held a Promise or a Response printed the whole
 * environment and every request credential the run had seen, because the promise carried the
 * test's AsyncLocalStorage value, and that was the recorder's run (src/recording/test-scope.ts).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { VitestFixture } from '../support/vitest-fixture.js'

/** Shapes no token format knows: only the run's secrets could have found them. */
const ENV_KEY = 'qX7Lm2Nb8Vc4Zx1Kj9Hg5Fd3Sa6Pq0W'
const HEADER_KEY = 'tY4Ui8Op2As6Df0Gh3Jk7Lz1Xc5Vb9N'

let server: Server
let base: string
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ id: `user_${Math.random().toString(36).slice(2)}`, ok: true }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const testFile = `import { expect, test } from 'vitest'
const key = () => Buffer.from(process.env.HEADER_KEY_B64, 'base64').toString()
test('a promise in a failing diff', async () => {
  await fetch(process.env.API + '/v1/me', { headers: { 'x-api-key': key() } })
  expect({ pending: Promise.resolve(1) }).toEqual({ pending: 'PROMISE-DIFF-MARKER' })
})
test('a response in a failing diff', async () => {
  const response = await fetch(process.env.API + '/v1/me')
  expect(response).toEqual({ status: 'RESPONSE-DIFF-MARKER' })
})
test('a rejected expectation on a fetch that resolves', async () => {
  await expect(fetch(process.env.API + '/v1/me')).rejects.toThrow('REJECTS-MARKER')
})
`

it('a failure that prints a promise or a response made in the test shows no key, recording or replaying', async () => {
  const fixture = VitestFixture.create({
    'vitest.config.js': `import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings({ keepFailedRecordings: true })] })
`,
    'printed.test.js': testFile,
  })
  try {
    // The header key reaches the fixture encoded: its source, shown in the failure's code frame,
    // must not hold it, and only the recorder's view of the run could print it whole.
    const env = {
      OPENAI_API_KEY: ENV_KEY,
      HEADER_KEY_B64: Buffer.from(HEADER_KEY).toString('base64'),
      API: base,
    }
    for (const modeEnv of [{ FETCH_RECORDINGS: 'new' }, { CI: 'true' }]) {
      const run = await fixture.run([], { env: { ...env, ...modeEnv } })
      expect(run.output, 'a key was printed').not.toContain(ENV_KEY)
      expect(run.output, 'a key was printed').not.toContain(HEADER_KEY)
      expect(run.output, 'a key was printed').not.toContain(ENV_KEY.slice(0, 12))
      expect(run.output, 'a key was printed').not.toContain(HEADER_KEY.slice(0, 12))
      // The failures were printed (the assertions can fail), with their diffs.
      expect(run.code, run.output).toBe(1)
      expect(run.output).toContain('PROMISE-DIFF-MARKER')
      expect(run.output).toContain('RESPONSE-DIFF-MARKER')
      expect(run.output).toContain('instead of rejecting')
      expect(run.output).toContain('3 failed')
    }
  } finally {
    fixture.dispose()
  }
})

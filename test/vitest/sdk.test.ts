/**
 * A miss through the real openai SDK (maxRetries 2): answered with an error the SDK does not
 * retry, and the test fails with the library's explanation as its first error, shown once, also
 * when the test itself swallows the SDK's error. The tests run concurrently and stay apart.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { StableApi, VitestFixture } from '../support/vitest-fixture.js'

const CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()] })
`

function sdkTest(prompt: string): string {
  return `
import OpenAI from 'openai'
import { expect, test } from 'vitest'

// Built at module scope, before any test: its fetch is still intercepted.
const client = new OpenAI({ apiKey: 'sk-fixture-secret-0003', baseURL: process.env.FAKE_API_URL + '/v1', maxRetries: 2 })
const ask = async (content: string) => {
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })
  return completion.choices[0].message.content
}

test.concurrent('asks', async () => {
  expect(await ask(${JSON.stringify(prompt)})).toBe(${JSON.stringify(`Echo: ${prompt}`)})
})

test.concurrent('asks and swallows errors', async () => {
  const answer = await ask(${JSON.stringify(`${prompt}!`)}).catch(() => 'fallback')
  expect(typeof answer).toBe('string')
})
`
}

let api: StableApi
let fixture: VitestFixture

beforeAll(async () => {
  api = await StableApi.start()
  fixture = VitestFixture.create({ 'vitest.config.ts': CONFIG, 'sdk.test.ts': sdkTest('hello sdk') })
})

afterAll(async () => {
  await api?.close()
  fixture?.dispose()
})

test('a miss through an SDK fails the test with the miss, shown once', async () => {
  const env = { FAKE_API_URL: api.url }
  const recorded = await fixture.run([], { env })
  expect(recorded.code, recorded.output).toBe(0)
  expect(fixture.recordings()).toHaveLength(2)

  await api.offline()
  fixture.write('sdk.test.ts', sdkTest('goodbye sdk'))
  const result = await fixture.run([], { env: { ...env, CI: '1' } })
  expect(result.code).toBe(1)
  expect(result.output).toMatch(/FAIL +sdk\.test\.ts > asks\n/)
  // The test caught the SDK's error and would have passed.
  expect(result.output).toMatch(/FAIL +sdk\.test\.ts > asks and swallows errors\n/)
  expect(result.output).toContain('body.messages[0].content: "hello sdk" → "goodbye sdk"')
  expect(result.output).toContain('body.messages[0].content: "hello sdk!" → "goodbye sdk!"')
  const swallowed = result.output.slice(
    result.output.search(/FAIL +sdk\.test\.ts > asks and swallows errors\n/),
  )
  expect(swallowed).toMatch(
    /^FAIL.*\nRecordingError: \[fetch-recordings\] No recorded response matches this request\./,
  )
  // Each diff once: the SDK's error retelling the miss (BadRequestError: 400 …) is not shown again.
  for (const prompt of ['"hello sdk" → "goodbye sdk"', '"hello sdk!" → "goodbye sdk!"'])
    expect(result.output.split(`body.messages[0].content: ${prompt}\n`)).toHaveLength(2)
  expect(result.output).not.toContain('BadRequestError')
  expect(result.output).not.toContain('Connection error')
  // Each test is named in its own error: the concurrent tests were told apart.
  expect(result.output).toContain('test:    sdk.test.ts > asks and swallows errors')
})

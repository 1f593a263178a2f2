/**
 * Requests made by hooks: beforeEach requests belong to their test, with either binding
 * (`aroundEach`, the default on Vitest ≥ 4.1, and the `beforeEach` fallback Vitest 4.0 gets);
 * a file-level miss that the code swallowed still fails the file.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { StableApi, VITEST_MAJOR, VitestFixture } from '../support/vitest-fixture.js'

const config = (options = '') => `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings(${options})] })
`

const HELPERS = `
export async function chat(content: string): Promise<string> {
  const response = await fetch(process.env.FAKE_API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  })
  if (!response.ok) throw new Error('status ' + response.status)
  return (await response.json()).choices[0].message.content
}
`

const EACH_HOOK_TEST = `
import { beforeEach, expect, test } from 'vitest'
import { chat } from './helpers'

let fromHook = ''
beforeEach(async (context) => {
  fromHook = await chat('hook for ' + context.task.name)
})

test('first', async () => {
  expect(fromHook).toBe('Echo: hook for first')
  expect(await chat('first')).toBe('Echo: first')
})

let attempts = 0
test('second', { retry: 1 }, async () => {
  expect(await chat('second')).toBe('Echo: second')
  if (++attempts === 1) throw new Error('flaky on purpose')
})
`

const ALL_HOOK_TEST = `
import { beforeAll, expect, test } from 'vitest'
import { chat } from './helpers'

let answer = ''
beforeAll(async () => {
  // Swallowed, as an SDK or a fallback path would.
  answer = await chat(process.env.SETUP_PROMPT ?? 'setup').catch(() => 'swallowed')
})

test('uses the setup', () => {
  expect(answer).not.toBe('')
})
`

let api: StableApi
let fixture: VitestFixture

beforeAll(async () => {
  api = await StableApi.start()
  fixture = VitestFixture.create({
    'vitest.config.ts': config(),
    'helpers.ts': HELPERS,
    'each-hook.test.ts': EACH_HOOK_TEST,
    'all-hook.test.ts': ALL_HOOK_TEST,
  })
})

afterAll(async () => {
  await api?.close()
  fixture?.dispose()
})

const run = (args: string[] = [], env: Record<string, string> = {}) =>
  fixture.run(args, { env: { FAKE_API_URL: api.url, ...env } })

const contentsOf = (path: string) =>
  fixture
    .recording(path)
    .interactions.map(
      (interaction) => (interaction.request.body as { messages: { content: string }[] }).messages[0]?.content,
    )

function recordingOf(folder: string, prefix: string): string {
  const name = fixture.recordings(folder).find((entry) => entry.startsWith(prefix))
  if (!name) throw new Error(`no ${prefix} in ${folder}: ${fixture.recordings(folder).join(', ')}`)
  return `${folder}/${name}`
}

const EACH_FOLDER = '__recordings__/each-hook.test.ts'

describe.each(['aroundEach', 'beforeEach'])('binding %s', (binding) => {
  test('a beforeEach request is part of its test, retries included; replays offline', async () => {
    fixture.remove('__recordings__')
    fixture.write('vitest.config.ts', config(binding === 'beforeEach' ? "{ binding: 'beforeEach' }" : ''))
    await api.online()
    const recorded = await run(['each-hook'])
    if (binding === 'beforeEach' && VITEST_MAJOR >= 5) {
      // That binding needs vitest/suite, which Vitest 5 removed: refused before any test runs.
      expect(recorded.code).toBe(1)
      expect(recorded.output).toContain('binding: "beforeEach" needs vitest/suite, which Vitest 5 removed')
      return
    }
    expect(recorded.code, recorded.output).toBe(0)
    expect(contentsOf(recordingOf(EACH_FOLDER, 'first.'))).toEqual(['hook for first', 'first'])
    expect(contentsOf(recordingOf(EACH_FOLDER, 'second.'))).toEqual(['hook for second', 'second'])
    expect(fixture.exists(`${EACH_FOLDER}/__file__.json`)).toBe(false)
    await api.offline()
    const replayed = await run(['each-hook'], { CI: 'true' })
    expect(replayed.code, replayed.output).toBe(0)
    expect(replayed.stdout).toMatch(/Recordings +2 replayed \| 0 written/)
  })
})

test('a swallowed miss in beforeAll fails the file with the explanation', async () => {
  fixture.write('vitest.config.ts', config())
  await api.online()
  const recorded = await run(['all-hook'])
  expect(recorded.code, recorded.output).toBe(0)
  expect(contentsOf('__recordings__/all-hook.test.ts/__file__.json')).toEqual(['setup'])
  await api.offline()
  const result = await run(['all-hook'], { CI: 'true', SETUP_PROMPT: 'changed setup' })
  expect(result.code).toBe(1)
  expect(result.output).toContain('[fetch-recordings] No recorded response matches this request.')
  expect(result.output).toContain('body.messages[0].content: "setup" → "changed setup"')
  expect(result.output).toContain('test:    all-hook.test.ts\n')
})

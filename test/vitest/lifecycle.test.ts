/**
 * The plugin end to end, on one fixture project run by the real vitest CLI: record, replay
 * offline in CI, a changed prompt, stale recordings and their removal, filters that must not
 * make anything stale, concurrent tests, file-level requests, test.each names, retries.
 * The steps build on each other, in order.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunResult, StableApi, VitestFixture } from '../support/vitest-fixture.js'

const CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({
  plugins: [fetchRecordings()],
  test: { include: ['tests/**/*.test.ts'] },
})
`

const HELPERS = `
export async function chat(content: string): Promise<string> {
  const response = await fetch(process.env.FAKE_API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-fixture-secret-0001' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  })
  const body = await response.json()
  return body.choices[0].message.content
}
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
`

interface ChatTestOptions {
  prompt?: string
  goodbye?: 'test' | 'test.skip' | 'none'
  twoRequests?: boolean
}

function chatTest({ prompt = 'hello', goodbye = 'test', twoRequests = true }: ChatTestOptions = {}): string {
  return `
import { beforeAll, describe, expect, test } from 'vitest'
import { chat, pause } from './helpers'

// Module scope and beforeAll requests belong to the file, not to a test.
const warm = await chat('module scope')
let fromBeforeAll = ''
beforeAll(async () => {
  fromBeforeAll = await chat('before all')
})

describe('chat', () => {
  test('greets', async () => {
    expect(warm).toBe('Echo: module scope')
    expect(fromBeforeAll).toBe('Echo: before all')
    expect(await chat(${JSON.stringify(prompt)})).toBe(${JSON.stringify(`Echo: ${prompt}`)})
  })
  ${goodbye === 'none' ? '' : `${goodbye}('says goodbye', async () => { expect(await chat('bye')).toBe('Echo: bye') })`}
  test('asks twice', async () => {
    await chat('first')
    ${twoRequests ? `await chat('second')` : ''}
  })
  test.skip('is skipped', async () => { await chat('never') })
})

describe('each', () => {
  test.each([['red'], ['blue']])('colour %s', async (colour) => {
    expect(await chat(colour)).toBe('Echo: ' + colour)
  })
})

// Interleaved: each test's requests must land in its own recording.
test.concurrent.each([1, 2, 3, 4])('concurrent %i', async (n) => {
  for (let i = 0; i < 3; i++) {
    await pause((n * 7 + i * 3) % 10)
    expect(await chat('c' + n + '-' + i)).toBe('Echo: c' + n + '-' + i)
  }
})

// Fails its first attempt after the request: the retry must replay, not record again.
let attempts = 0
test('retries', { retry: 2 }, async () => {
  expect(await chat('retry me')).toBe('Echo: retry me')
  attempts++
  if (attempts === 1) throw new Error('flaky on purpose')
})
`
}

const OLD_TEST = `
import { test } from 'vitest'
import { chat } from './helpers'
test('old', async () => { await chat('old') })
`

const FOLDER = 'tests/__recordings__/chat.test.ts'

let api: StableApi
let fixture: VitestFixture

beforeAll(async () => {
  api = await StableApi.start()
  fixture = VitestFixture.create({
    'vitest.config.ts': CONFIG,
    'tests/helpers.ts': HELPERS,
    'tests/chat.test.ts': chatTest(),
    'tests/old.test.ts': OLD_TEST,
  })
})

afterAll(async () => {
  await api?.close()
  fixture?.dispose()
})

const run = (args: string[] = [], env: Record<string, string> = {}) =>
  fixture.run(args, { env: { FAKE_API_URL: api.url, ...env } })

/** The summary line, spaces collapsed: `Recordings 3 replayed | 0 written | ... (mode: replay)`. */
function summaryOf(result: RunResult): string {
  const line = result.stdout.split('\n').find((text) => text.startsWith(' Recordings '))
  if (!line) throw new Error(`no summary in:\n${result.output}`)
  return line.replace(/\s+/g, ' ').trim()
}

function findRecording(prefix: string): string {
  const found = fixture.recordings(FOLDER).filter((name) => name.startsWith(prefix))
  expect(
    found,
    `one recording starting with ${prefix}: ${fixture.recordings(FOLDER).join(', ')}`,
  ).toHaveLength(1)
  return `${FOLDER}/${found[0]}`
}

const contentsOf = (path: string) =>
  fixture
    .recording(path)
    .interactions.map(
      (interaction) => (interaction.request.body as { messages: { content: string }[] }).messages[0]?.content,
    )

describe('vitest plugin lifecycle', () => {
  test('the first run records every test, the file level and nothing for skipped tests', async () => {
    const result = await run()
    expect(result.code, result.output).toBe(0)
    // greets, says goodbye, asks twice, 2 colours, 4 concurrent, retries, chat's file level, old
    expect(summaryOf(result)).toBe(
      'Recordings 0 replayed | 12 written | 0 updated | 0 stale | 0 removed (mode: new)',
    )
    // The summary comes after Vitest's own.
    expect(result.stdout.indexOf(' Recordings ')).toBeGreaterThan(result.stdout.indexOf('Test Files'))
    expect(fixture.recordings(FOLDER)).toHaveLength(11)
    expect(contentsOf(`${FOLDER}/__file__.json`)).toEqual(['module scope', 'before all'])
    expect(contentsOf(findRecording('chat--greets.'))).toEqual(['hello'])
    expect(contentsOf(findRecording('chat--asks-twice.'))).toEqual(['first', 'second'])
    expect(fixture.recordings(FOLDER).some((name) => name.includes('skipped'))).toBe(false)
    // The API key sent in the authorization header is nowhere on disk.
    for (const name of fixture.recordings()) expect(fixture.read(name)).not.toContain('sk-fixture-secret')
    // A retried attempt replays what the failed one recorded: one interaction, not two.
    // (The test passes only on its second attempt.)
    expect(contentsOf(findRecording('retries.'))).toEqual(['retry me'])
  })

  test('test.each names and the stored test id', async () => {
    const red = findRecording('each--colour-red.')
    expect(fixture.recording(red).test_id).toBe('tests/chat.test.ts > each > colour red')
    expect(contentsOf(red)).toEqual(['red'])
    expect(contentsOf(findRecording('each--colour-blue.'))).toEqual(['blue'])
  })

  test('interleaved test.concurrent tests each get their own recording', async () => {
    for (const n of [1, 2, 3, 4]) {
      expect(contentsOf(findRecording(`concurrent-${n}.`))).toEqual([`c${n}-0`, `c${n}-1`, `c${n}-2`])
    }
  })

  test('CI replays offline: nothing reaches the network, nothing is written', async () => {
    await api.offline()
    const before = fixture.read(`${FOLDER}/__file__.json`)
    const result = await run([], { CI: 'true' })
    expect(result.code, result.output).toBe(0)
    expect(summaryOf(result)).toBe(
      'Recordings 12 replayed | 0 written | 0 updated | 0 stale | 0 removed (mode: replay)',
    )
    expect(fixture.read(`${FOLDER}/__file__.json`)).toBe(before)
  })

  test('a skipped test keeps its recording without making it stale', async () => {
    fixture.write('tests/chat.test.ts', chatTest({ goodbye: 'test.skip' }))
    const result = await run([], { CI: 'true' })
    expect(result.code, result.output).toBe(0)
    expect(summaryOf(result)).toBe(
      'Recordings 11 replayed | 0 written | 0 updated | 0 stale | 0 removed (mode: replay)',
    )
  })

  test('a changed prompt fails in CI with the difference and the fix', async () => {
    fixture.write('tests/chat.test.ts', chatTest({ prompt: 'hello there' }))
    const result = await run([], { CI: 'true' })
    expect(result.code).toBe(1)
    expect(result.output).toContain('[fetch-recordings] No recorded response matches this request.')
    expect(result.output).toContain('body.messages[0].content: "hello" → "hello there"')
    expect(result.output).toContain('UPDATE_RECORDINGS=1')
    expect(result.output).toMatch(/FAIL .*chat\.test\.ts > chat > greets/)
    // A failed test never makes its entries stale.
    expect(summaryOf(result)).toContain('| 0 stale |')
  })

  test('UPDATE_RECORDINGS=1 re-records the changed test', async () => {
    await api.online()
    const result = await run([], { UPDATE_RECORDINGS: '1' })
    expect(result.code, result.output).toBe(0)
    expect(summaryOf(result)).toContain('(mode: update)')
    expect(contentsOf(findRecording('chat--greets.'))).toEqual(['hello there'])
    await api.offline()
  })

  test('a deleted test, a dropped request and a deleted test file are stale', async () => {
    fixture.write(
      'tests/chat.test.ts',
      chatTest({ prompt: 'hello there', goodbye: 'none', twoRequests: false }),
    )
    fixture.remove('tests/old.test.ts')
    const result = await run([], { CI: 'true' })
    expect(result.code, result.output).toBe(0)
    expect(summaryOf(result)).toContain('| 3 stale |')
    expect(result.stdout).toMatch(
      /stale file tests\/__recordings__\/chat\.test\.ts\/chat--says-goodbye\.\w+\.json \(no test of this name\)/,
    )
    expect(result.stdout).toContain('stale 1 unused entry of "chat > asks twice"')
    expect(result.stdout).toContain('stale folder tests/__recordings__/old.test.ts (its test file is gone)')
    expect(result.stdout).toContain(
      'Run `npx vitest run -- --prune-recordings` to remove them without re-recording (or `UPDATE_RECORDINGS=1 npx vitest run` to re-record everything).',
    )
  })

  test('-t and file filters judge nothing stale', async () => {
    const byName = await run(['-t', 'greets'], { CI: 'true' })
    expect(byName.code, byName.output).toBe(0)
    expect(summaryOf(byName)).toContain('| 0 stale |')
    const byFile = await run(['tests/chat.test.ts'], { CI: 'true' })
    expect(byFile.code, byFile.output).toBe(0)
    // Files and entries of the file that ran are judged; the folder of the deleted file is not.
    expect(summaryOf(byFile)).toContain('| 2 stale |')
    expect(byFile.stdout).not.toContain('old.test.ts')
  })

  test('UPDATE_RECORDINGS=1 removes what is stale', async () => {
    await api.online()
    const result = await run([], { UPDATE_RECORDINGS: '1' })
    expect(result.code, result.output).toBe(0)
    expect(summaryOf(result)).toContain('| 0 stale |')
    expect(fixture.recordings(FOLDER).some((name) => name.startsWith('chat--says-goodbye.'))).toBe(false)
    expect(fixture.exists('tests/__recordings__/old.test.ts')).toBe(false)
    expect(contentsOf(findRecording('chat--asks-twice.'))).toEqual(['first'])
    await api.offline()
    const replay = await run([], { CI: 'true' })
    expect(replay.code, replay.output).toBe(0)
    expect(summaryOf(replay)).toBe(
      'Recordings 10 replayed | 0 written | 0 updated | 0 stale | 0 removed (mode: replay)',
    )
  })
})

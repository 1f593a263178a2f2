/**
 * Scenarios of failures that must explain themselves and lose nothing (issue #11, points 4-7),
 * run through both runners by test/vitest/failures.test.ts and test/jest/failures.test.ts with contract.ts.
 */
import type { ContractScenario } from './contract.js'
import { CI, chatTest, counts, describeFixture, fixture, MISS, ref, UPDATE } from './contract-scenarios.js'
import { EXPIRED_KEY } from './fake-apis.js'

const DUPLICATED = ref('dup.test.js', 'colors > paints red')

const duplicateNames: ContractScenario = {
  name: 'a duplicated test.each row fails only the duplicate; the file runs on',
  files: {
    'dup.test.js': fixture(`describe('colors', () => {
  test.each([['red'], ['red'], ['blue']])('paints %s', async (color) => {
    expect(await chat('paint ' + color)).toBe('Echo: paint ' + color)
  })
})`),
  },
  steps: [
    {
      title: 'record: the namesake fails with the clear message, the others record',
      expect: {
        exitCode: 1,
        summary: counts('new', { written: 2 }),
        apiRequests: 2,
        tests: { passed: 2, failed: 1 },
        output: ['are named "colors > paints red"', 'Give them different names'],
        present: [DUPLICATED, ref('dup.test.js', 'colors > paints blue')],
      },
    },
    {
      title: 'replay: the same',
      env: CI,
      expect: { exitCode: 1, summary: counts('replay', { replayed: 2 }), tests: { passed: 2, failed: 1 } },
    },
  ],
}

const repeats: ContractScenario = {
  name: '{ repeats: n } is one test: every repetition replays the same recording',
  runners: ['vitest'],
  files: {
    'repeat.test.js': fixture(`test('repeated', { repeats: 2 }, async () => {
  expect(await chat('again')).toBe('Echo: again')
})`),
  },
  steps: [
    {
      title: 'record once, the repetitions replay it',
      expect: {
        exitCode: 0,
        summary: counts('new', { written: 1 }),
        apiRequests: 1,
        prompts: [{ ...ref('repeat.test.js', 'repeated'), prompts: ['again'] }],
      },
    },
    {
      title: 'replay',
      api: 'down',
      env: CI,
      expect: { exitCode: 0, summary: counts('replay', { replayed: 1 }), tests: { passed: 1, failed: 0 } },
    },
  ],
}

const ASKS = ref('chat.test.js', 'chat > asks')
const addHeader = (name: string, value: string) => (text: string) => {
  const file = JSON.parse(text)
  file.interactions[0].response.headers[name] = value
  return JSON.stringify(file, null, 2)
}
const setStatus = (status: number) => (text: string) => {
  const file = JSON.parse(text)
  file.interactions[0].response.status = status
  return JSON.stringify(file, null, 2)
}

const brokenFiles: ContractScenario = {
  name: 'update replaces a broken recording and says so; a folder or a hand edit that cannot replay fails, named',
  files: { 'chat.test.js': describeFixture('chat', [chatTest('asks', 'hi')]) },
  steps: [
    { title: 'record', expect: { exitCode: 0, summary: counts('new', { written: 1 }) } },
    {
      title: 'a cut-off file: update replaces it and says so',
      recordings: [{ ...ASKS, edit: '{ "format": "fetch-recordings/1", "interactions": [' }],
      env: UPDATE,
      expect: {
        exitCode: 0,
        summary: counts('update', { updated: 1 }),
        apiRequests: 1,
        output: ['replaced unreadable __recordings__/chat.test.js/chat--asks.', 'is not valid JSON'],
      },
    },
    {
      title: 'a hand-added content-encoding that does not decode fails, naming file and field',
      recordings: [{ ...ASKS, edit: addHeader('content-encoding', 'gzip') }],
      env: CI,
      expect: {
        exitCode: 1,
        summary: counts('replay'),
        output: ['chat--asks.', 'interactions[0].response.headers.content-encoding'],
      },
    },
    {
      title: 'a hand-edited 1xx status is named; update replaces that file too',
      recordings: [{ ...ASKS, edit: setStatus(103) }],
      env: UPDATE,
      expect: {
        exitCode: 0,
        summary: counts('update', { updated: 1 }),
        output: ['replaced unreadable', 'interactions[0].response.status is 103'],
      },
    },
    { title: 'replays again', env: CI, expect: { exitCode: 0, summary: counts('replay', { replayed: 1 }) } },
    {
      title: 'the path is a folder: the test fails naming it and the fix, without going live',
      recordings: [{ ...ASKS, edit: 'folder' }],
      expect: {
        exitCode: 1,
        summary: counts('new'),
        apiRequests: 0,
        output: ['chat--asks.', 'is a folder, not a recording file'],
      },
    },
    {
      title: 'the same in update mode',
      env: UPDATE,
      expect: { exitCode: 1, summary: counts('update'), apiRequests: 0, output: ['is a folder'] },
    },
  ],
}

/** A test whose API key comes from the environment, as a real project's does. */
const KEYED = fixture(`test('answers', async () => {
  const response = await fetch(API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ' + (process.env.API_KEY || 'sk-good') },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  })
  const json = await response.json()
  expect(json.choices[0].message.content).toBe('Echo: hi')
})`)
const ANSWERS = ref('key.test.js', 'answers')
const EXPIRED = { API_KEY: EXPIRED_KEY }

const failedTestsKeepNothing: ContractScenario = {
  name: 'new mode keeps nothing a failed test recorded (an expired key), the next run records',
  files: { 'key.test.js': KEYED },
  steps: [
    {
      title: 'the key expired: the 401 is not kept, and the summary says so',
      env: EXPIRED,
      expect: {
        exitCode: 1,
        summary: counts('new'),
        apiRequests: 1,
        absent: [ANSWERS],
        output: ['1 interaction(s) recorded by failed tests not kept', 'keepFailedRecordings'],
      },
    },
    {
      title: 'the key is fixed: records',
      expect: { exitCode: 0, summary: counts('new', { written: 1 }), apiRequests: 1, present: [ANSWERS] },
    },
  ],
}

const keptErrorAnswer: ContractScenario = {
  name: 'keepFailedRecordings keeps them; a failure after a replayed error answer names its file and the fix',
  files: { 'key.test.js': KEYED },
  options: { keepFailedRecordings: true },
  steps: [
    {
      title: 'the key expired: the 401 is kept',
      env: EXPIRED,
      expect: { exitCode: 1, summary: counts('new', { written: 1 }), present: [ANSWERS] },
    },
    {
      title: 'CI replays the 401: the failure names the recording and how to re-record',
      env: CI,
      expect: {
        exitCode: 1,
        summary: counts('replay', { replayed: 1 }),
        output: [
          'after a recorded 401 answer was replayed',
          '__recordings__/key.test.js/answers.',
          'UPDATE_RECORDINGS=1',
        ],
      },
    },
    {
      title: 're-recorded with a good key',
      env: UPDATE,
      expect: { exitCode: 0, summary: counts('update', { updated: 1 }) },
    },
  ],
}

/** Tests made in a loop, as tables of cases are: their errors have the same stack. */
const promptTable = (prompts: string[]) =>
  fixture(`describe('miss', () => {
  for (const prompt of ${JSON.stringify(prompts)}) {
    test('asks ' + prompt[0], async () => {
      expect(await chat(prompt)).toBe('Echo: ' + prompt)
    })
  }
})`)

const everyMissItsOwnDiff: ContractScenario = {
  name: 'every missing test shows its own diff (identical errors are not grouped away)',
  files: { 'miss.test.js': promptTable(['a1', 'b1', 'c1']) },
  steps: [
    { title: 'record', expect: { exitCode: 0, summary: counts('new', { written: 3 }) } },
    {
      title: 'three prompts changed: three diffs',
      files: { 'miss.test.js': promptTable(['a2', 'b2', 'c2']) },
      env: CI,
      expect: {
        exitCode: 1,
        summary: counts('replay'),
        tests: { passed: 0, failed: 3 },
        output: [MISS, '"a1" → "a2"', '"b1" → "b2"', '"c1" → "c2"'],
      },
    },
  ],
}

/**
 * A request aborted before its headers (the model is slow: `delay_ms`), and a login answer's
 * cookies: both were lost on replay (a 400 miss instead of the abort; `getSetCookie()` empty).
 */
const ABORTED = fixture(`test('gives up on a slow answer', async () => {
  const controller = new AbortController()
  const call = fetch(API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slow' }], delay_ms: 3000 }),
    signal: controller.signal,
  })
  if (process.env.NO_ABORT !== '1') setTimeout(() => controller.abort(), 50)
  await expect(call).rejects.toThrow()
}, 2000)
test('keeps its cookies', async () => {
  const cookies = (await fetch(API_URL + '/session')).headers.getSetCookie()
  expect(cookies).toHaveLength(3)
  expect(cookies[0]).toMatch(/^session=[^;]+; Path=\\/; HttpOnly; Secure; SameSite=Lax$/)
  expect(cookies[2]).toBe('theme=dark; Path=/; Max-Age=31536000')
})`)

const abortsAndCookies: ContractScenario = {
  name: 'an abort before the headers replays as the same abort (or fails at test end, never hangs); cookies replay',
  files: { 'abort.test.js': ABORTED },
  options: { settleTimeout: 300 },
  steps: [
    { title: 'record', expect: { exitCode: 0, summary: counts('new', { written: 2 }) } },
    {
      title: 'replay: the abort is answered by the same abort, the cookies are there',
      env: CI,
      expect: { exitCode: 0, summary: counts('replay', { replayed: 2 }), apiRequests: 0 },
    },
    {
      title: 'replay without the abort: the test fails, named, once its own timeout ended it',
      env: { ...CI, NO_ABORT: '1' },
      expect: {
        exitCode: 1,
        summary: counts('replay', { replayed: 2 }),
        apiRequests: 0,
        tests: { passed: 1, failed: 1 },
        output: ["this run's client never aborted it", 'gives-up-on-a-slow-answer.'],
      },
    },
  ],
}

export const FAILURE_SCENARIOS: readonly ContractScenario[] = [
  duplicateNames,
  repeats,
  brokenFiles,
  failedTestsKeepNothing,
  keptErrorAnswer,
  everyMissItsOwnDiff,
  abortsAndCookies,
]

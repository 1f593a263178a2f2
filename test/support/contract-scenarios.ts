/**
 * The contract's scenarios (contract.ts runs them). Every fixture calls a fake OpenAI API that
 * echoes the last user message; counts in `summary` are recording files, as the summary counts.
 */
import type { ContractScenario, Counts, RecordingRef } from './contract.js'

/** Prepended to every fixture: a chat call against the fake OpenAI API, and a sleep. */
const HELPERS = `const API_URL = process.env.API_URL
async function chat(content) {
  const response = await fetch(API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-contract-secret' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  })
  const json = await response.json()
  return json.choices[0].message.content
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
`

export function fixture(body: string): string {
  return `${HELPERS}\n${body.trim()}\n`
}

/** A test that sends `prompt` and expects the echo; `modifier` is '', '.skip', '.only', … */
export function chatTest(name: string, prompt: string, modifier = ''): string {
  return `test${modifier}(${JSON.stringify(name)}, async () => {
    expect(await chat(${JSON.stringify(prompt)})).toBe(${JSON.stringify(`Echo: ${prompt}`)})
  })`
}

export function describeFixture(name: string, tests: string[]): string {
  return fixture(`describe(${JSON.stringify(name)}, () => {\n  ${tests.join('\n  ')}\n})`)
}

export const ref = (file: string, test: string): RecordingRef => ({ file, test })
export const counts = (mode: Counts['mode'], some: Partial<Counts> = {}): Counts => ({
  replayed: 0,
  written: 0,
  updated: 0,
  stale: 0,
  removed: 0,
  ...some,
  mode,
})
export const CI = { CI: 'true' }
export const UPDATE = { UPDATE_RECORDINGS: '1' }
export const MISS = 'No recorded response matches this request'
/** The detail lines of the summary; the counts line always says `0 stale`. */
const NOTHING_STALE = ['stale file', 'unused entr', 'stale folder', 'stale recording']

const recordThenReplay: ContractScenario = {
  name: 'records on the first run, replays offline in CI',
  files: {
    'chat.test.js': describeFixture('chat', [chatTest('says hi', 'hi'), chatTest('says bye', 'bye')]),
  },
  steps: [
    {
      title: 'first run records',
      expect: {
        exitCode: 0,
        summary: counts('new', { written: 2 }),
        apiRequests: 2,
        present: [ref('chat.test.js', 'chat > says hi'), ref('chat.test.js', 'chat > says bye')],
        absent: [ref('chat.test.js', '')],
        testIds: [{ ...ref('chat.test.js', 'chat > says hi'), testId: 'chat.test.js > chat > says hi' }],
      },
    },
    {
      title: 'CI replays with the API down',
      api: 'down',
      env: CI,
      expect: { exitCode: 0, summary: counts('replay', { replayed: 2 }), apiRequests: 0 },
    },
  ],
}

const changedPrompt: ContractScenario = {
  name: 'a changed prompt fails in CI with a structural diff and the fix',
  files: { 'chat.test.js': describeFixture('chat', [chatTest('asks', 'hi')]) },
  steps: [
    { title: 'record', expect: { exitCode: 0, summary: counts('new', { written: 1 }), apiRequests: 1 } },
    {
      title: 'the prompt changed: CI fails',
      files: { 'chat.test.js': describeFixture('chat', [chatTest('asks', 'hello')]) },
      env: CI,
      expect: {
        exitCode: 1,
        summary: counts('replay'),
        apiRequests: 0,
        output: [
          MISS,
          'test:    chat.test.js > chat > asks',
          'body.messages[0].content: "hi" → "hello"',
          'UPDATE_RECORDINGS=1',
        ],
      },
    },
    {
      title: 'the update flag re-records it',
      env: UPDATE,
      expect: { exitCode: 0, summary: counts('update', { updated: 1 }), apiRequests: 1 },
    },
    {
      title: 'CI passes again',
      env: CI,
      expect: { exitCode: 0, summary: counts('replay', { replayed: 1 }), apiRequests: 0 },
    },
  ],
}

const swallowedMiss: ContractScenario = {
  name: 'a miss fails the test even when the code under test swallows the error (an SDK retrying)',
  files: {
    'tolerant.test.js': fixture(`test('tolerant', async () => {
  const answer = await chat('hi').catch(() => 'offline')
  expect(typeof answer).toBe('string')
})`),
  },
  steps: [
    { title: 'record', expect: { exitCode: 0, summary: counts('new', { written: 1 }) } },
    {
      title: 'changed prompt, error caught by the test: still fails',
      files: {
        'tolerant.test.js': fixture(`test('tolerant', async () => {
  const answer = await chat('hey').catch(() => 'offline')
  expect(typeof answer).toBe('string')
})`),
      },
      env: CI,
      expect: { exitCode: 1, summary: counts('replay'), output: [MISS, '"hi" → "hey"'] },
    },
  ],
}

const deletedTest: ContractScenario = {
  name: 'a deleted test leaves a stale recording; the update flag removes it',
  files: { 'chat.test.js': describeFixture('chat', [chatTest('keeps', 'keep'), chatTest('goes', 'go')]) },
  steps: [
    { title: 'record', expect: { exitCode: 0, summary: counts('new', { written: 2 }) } },
    {
      title: 'test deleted: reported stale with the fix',
      files: { 'chat.test.js': describeFixture('chat', [chatTest('keeps', 'keep')]) },
      env: CI,
      expect: {
        exitCode: 0,
        summary: counts('replay', { replayed: 1, stale: 1 }),
        output: ['stale file __recordings__/chat.test.js/chat--goes.', '$UPDATE_COMMAND'],
        present: [ref('chat.test.js', 'chat > goes')],
      },
    },
    {
      title: 'update removes it',
      env: UPDATE,
      expect: {
        exitCode: 0,
        summary: counts('update', { removed: 1 }),
        absent: [ref('chat.test.js', 'chat > goes')],
        present: [ref('chat.test.js', 'chat > keeps')],
      },
    },
    {
      title: 'nothing stale left',
      env: CI,
      expect: { exitCode: 0, summary: counts('replay', { replayed: 1 }) },
    },
  ],
}

const pick = (first = '', second = '', third = '') =>
  describeFixture('pick', [
    chatTest('first', 'one', first),
    chatTest('second', 'two', second),
    chatTest('third', 'three', third),
  ])
const allPicks = [
  ref('pick.test.js', 'pick > first'),
  ref('pick.test.js', 'pick > second'),
  ref('pick.test.js', 'pick > third'),
]

const filteredRuns: ContractScenario = {
  name: 'filtered, skipped, todo and .only-excluded tests make nothing stale',
  files: { 'pick.test.js': pick() },
  steps: [
    { title: 'record', expect: { exitCode: 0, summary: counts('new', { written: 3 }) } },
    {
      title: '-t runs one test',
      env: CI,
      testNamePattern: 'first',
      expect: { exitCode: 0, summary: counts('replay', { replayed: 1 }), notOutput: NOTHING_STALE },
    },
    {
      title: '-t with the update flag removes nothing',
      env: UPDATE,
      testNamePattern: 'first',
      expect: { exitCode: 0, summary: counts('update'), apiRequests: 1, present: allPicks },
    },
    {
      title: '.skip and .todo',
      files: {
        'pick.test.js': describeFixture('pick', [
          chatTest('first', 'one'),
          chatTest('second', 'two', '.skip'),
          "test.todo('third')",
        ]),
      },
      env: CI,
      expect: { exitCode: 0, summary: counts('replay', { replayed: 1 }), notOutput: NOTHING_STALE },
    },
    {
      // FETCH_RECORDINGS rather than CI: Vitest refuses .only when CI is set (allowOnly).
      title: '.only',
      files: { 'pick.test.js': pick('', '.only') },
      env: { FETCH_RECORDINGS: 'replay' },
      expect: {
        exitCode: 0,
        summary: counts('replay', { replayed: 1 }),
        notOutput: NOTHING_STALE,
        present: allPicks,
      },
    },
  ],
}

const PARALLEL = [
  ['one', 40, 5],
  ['two', 5, 40],
  ['three', 25, 15],
  ['four', 10, 30],
] as const

const concurrent: ContractScenario = {
  name: 'interleaved test.concurrent tests each get their own recording',
  files: {
    'parallel.test.js': fixture(`describe('parallel', () => {
  for (const [name, first, second] of ${JSON.stringify(PARALLEL)}) {
    test.concurrent(name, async () => {
      await sleep(first)
      expect(await chat(name + ' first')).toBe('Echo: ' + name + ' first')
      await sleep(second)
      expect(await chat(name + ' second')).toBe('Echo: ' + name + ' second')
    })
  }
})`),
  },
  steps: [
    {
      title: 'record',
      expect: {
        exitCode: 0,
        summary: counts('new', { written: 4 }),
        prompts: PARALLEL.map(([name]) => ({
          ...ref('parallel.test.js', `parallel > ${name}`),
          prompts: [`${name} first`, `${name} second`],
        })),
      },
    },
    {
      title: 'replay offline',
      api: 'down',
      env: CI,
      expect: { exitCode: 0, summary: counts('replay', { replayed: 4 }) },
    },
  ],
}

const fileLevel: ContractScenario = {
  name: 'module scope and beforeAll go to the file-level recording, beforeEach to the test',
  files: {
    'hooks.test.js': fixture(`const early = chat('module scope')
beforeAll(async () => {
  await early
  await chat('before all')
})
describe('hooks', () => {
  beforeEach(async () => {
    await chat('before each')
  })
  ${chatTest('in a test', 'in test')}
})`),
  },
  steps: [
    {
      title: 'record',
      expect: {
        exitCode: 0,
        summary: counts('new', { written: 2 }),
        prompts: [
          { ...ref('hooks.test.js', ''), prompts: ['module scope', 'before all'] },
          { ...ref('hooks.test.js', 'hooks > in a test'), prompts: ['before each', 'in test'] },
        ],
        testIds: [{ ...ref('hooks.test.js', ''), testId: 'hooks.test.js' }],
      },
    },
    {
      title: 'replay offline',
      api: 'down',
      env: CI,
      expect: { exitCode: 0, summary: counts('replay', { replayed: 2 }) },
    },
  ],
}

const eachNames: ContractScenario = {
  name: 'test.each names carry their parameters',
  files: {
    'each.test.js': fixture(`describe('colors', () => {
  test.each([['red'], ['blue']])('paints %s', async (color) => {
    expect(await chat('paint ' + color)).toBe('Echo: paint ' + color)
  })
})`),
  },
  steps: [
    {
      title: 'record',
      expect: {
        exitCode: 0,
        summary: counts('new', { written: 2 }),
        prompts: [
          { ...ref('each.test.js', 'colors > paints red'), prompts: ['paint red'] },
          { ...ref('each.test.js', 'colors > paints blue'), prompts: ['paint blue'] },
        ],
        testIds: [
          { ...ref('each.test.js', 'colors > paints red'), testId: 'each.test.js > colors > paints red' },
        ],
      },
    },
    { title: 'replay', env: CI, expect: { exitCode: 0, summary: counts('replay', { replayed: 2 }) } },
  ],
}

const doneCallback: ContractScenario = {
  name: 'a done-callback test is bound and fails on a miss',
  // Vitest dropped done callbacks.
  runners: ['jest'],
  files: {
    'done.test.js': fixture(`test('calls back', (done) => {
  chat('callback').then((answer) => {
    expect(answer).toBe('Echo: callback')
    done()
  }, done)
})`),
  },
  steps: [
    {
      title: 'record',
      expect: {
        exitCode: 0,
        summary: counts('new', { written: 1 }),
        prompts: [{ ...ref('done.test.js', 'calls back'), prompts: ['callback'] }],
      },
    },
    { title: 'replay', env: CI, expect: { exitCode: 0, summary: counts('replay', { replayed: 1 }) } },
    {
      title: 'a miss reaches done()',
      files: {
        'done.test.js': fixture(`test('calls back', (done) => {
  chat('call me back').then(() => done(), () => done())
})`),
      },
      env: CI,
      expect: { exitCode: 1, summary: counts('replay'), output: [MISS, '"callback" → "call me back"'] },
    },
  ],
}

const retries: ContractScenario = {
  name: 'a retried test records once',
  // Vitest spells retries `test(name, { retry: 2 }, fn)`; same expectations.
  runners: ['jest'],
  files: {
    'retry.test.js': fixture(`jest.retryTimes(2)
let attempts = 0
test('flaky', async () => {
  attempts++
  expect(await chat('retry me')).toBe('Echo: retry me')
  if (attempts === 1) throw new Error('the first attempt fails')
})`),
  },
  steps: [
    {
      title: 'record: the retry replays what the first attempt recorded',
      expect: {
        exitCode: 0,
        summary: counts('new', { written: 1 }),
        apiRequests: 1,
        prompts: [{ ...ref('retry.test.js', 'flaky'), prompts: ['retry me'] }],
      },
    },
    {
      title: 'replay',
      api: 'down',
      env: CI,
      expect: { exitCode: 0, summary: counts('replay', { replayed: 1 }) },
    },
  ],
}

export const SCENARIOS: readonly ContractScenario[] = [
  recordThenReplay,
  changedPrompt,
  swallowedMiss,
  deletedTest,
  filteredRuns,
  concurrent,
  fileLevel,
  eachNames,
  doneCallback,
  retries,
]

/**
 * Secrets in what the recorder shows rather than writes, and secrets learned at other times than
 * the recorder's reads. Found from outside (the packed tarball): a miss diff printed the raw
 * environment key (in the test's error and in the 400 answer the app got), the report file kept
 * a test name holding a key, a key a setup file set and a `beforeAll` deleted was never read, and
 * a key one Jest test file sent was forgotten by the next file's recorder.
 */
import { readdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { buildRunReport } from '../../src/report/report.js'
import { reportFileJson } from '../../src/report/report-file.js'
import { readRecording, session, TEST_FILE, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { JestProject } from '../support/jest-fixture.js'
import { VitestFixture } from '../support/vitest-fixture.js'

/** Shapes no token format knows: only the run's secrets can find them. */
const ENV_KEY = 'aZ3Ww9Ee8Rr7Tt6Yy5Uu4Ii3Oo2Pp1Q'
const SETUP_KEY = 'aZ3Rr5Tt6Yy7Uu8Ii9Oo0Pp1Aa2S'
const REQUEST_KEY = 'aZ3Hh5Jj6Kk7Ll8Mm9Nn0Bb1Vv2Cc3X'

let api: FakeApi
beforeAll(async () => {
  api = await startFakeApi()
})
afterAll(() => api.close())

const ask = (text: string, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] }),
  })

describe('what a miss shows', () => {
  it('redacts the environment key in the diff, the error and the answer the app gets', async () => {
    const dir = tempDir()
    const env = { MY_SERVICE_TOKEN: ENV_KEY }
    const testName = `named after ${ENV_KEY}`
    const recorded = await session(dir, 'new', async () => (await ask(`orig ${ENV_KEY}`)).text(), {
      env,
      testName,
    })
    expect(recorded.thrown).toBeUndefined()
    const replayed = await session(dir, 'replay', async () => (await ask(`changed ${ENV_KEY}!`)).text(), {
      env,
      testName,
    })
    const message = replayed.error?.message ?? ''
    expect(message).toContain('No recorded response matches')
    expect(message).toMatch(/body\.messages\[0\]\.content: "orig \[redacted\]" → "changed \[redacted\]!"/)
    expect(message).toContain('named after [redacted]')
    expect(message).not.toContain(ENV_KEY)
    expect(replayed.result).toContain('fetch_recordings_error')
    expect(replayed.result).not.toContain(ENV_KEY)
    expect(JSON.stringify(readRecording(recorded.path))).not.toContain(ENV_KEY)
  })

  it('redacts a secret before a long value is cut short (a cut key would escape the search)', async () => {
    const dir = tempDir()
    const env = { MY_SERVICE_TOKEN: ENV_KEY }
    const long = (tail: string) => `${'x'.repeat(100)} ${ENV_KEY} ${tail}`
    await session(dir, 'new', async () => (await ask(long('a'))).text(), { env })
    const replayed = await session(dir, 'replay', async () => (await ask(long('b'))).text(), { env })
    expect(replayed.error?.message).toContain('[redact')
    expect(replayed.error?.message).not.toContain(ENV_KEY.slice(0, 12))
  })
})

it('the report file names a test with the keys its worker knew redacted', async () => {
  const dir = tempDir()
  const testName = `works with ${ENV_KEY}`
  const { outcome } = await session(dir, 'new', async () => (await ask('hi')).text(), {
    env: { MY_SERVICE_TOKEN: ENV_KEY },
    testName,
  })
  const facts = {
    mode: 'new' as const,
    files: [
      {
        testFile: join(dir, TEST_FILE),
        tests: [{ name: testName, state: 'passed' as const }],
        filtered: false,
        collectFailed: false,
      },
    ],
    outcomes: [outcome],
    fullRun: true,
    roots: [],
    customLayout: false,
  }
  const json = reportFileJson({ runner: 'vitest', rootDir: dir, facts, report: buildRunReport(facts) })
  expect(json.recordings.map((entry) => entry.test)).toEqual(['works with [redacted]'])
  expect(JSON.stringify(json)).not.toContain(ENV_KEY)
})

it('a key one recorder saw in a request is redacted from a later recorder of the process (Jest: one per file)', async () => {
  const dir = tempDir()
  const first = await session(
    dir,
    'new',
    async () => (await ask('hello', { 'x-api-key': REQUEST_KEY })).text(),
    {
      testFile: 'a.test.ts',
    },
  )
  expect(first.thrown).toBeUndefined()
  const later = await session(dir, 'new', async () => (await ask(`echo ${REQUEST_KEY} end`)).text(), {
    testFile: 'b.test.ts',
  })
  expect(later.result).toContain(REQUEST_KEY)
  const text = JSON.stringify(readRecording(later.path))
  expect(text).toContain('echo [redacted] end')
  expect(text).not.toContain(REQUEST_KEY)
})

it('reads the environment when the runner says the setup files ran (core: noteEnvironment)', async () => {
  const dir = tempDir()
  const env: NodeJS.ProcessEnv = {}
  const recorder = createRecorder({ env, mode: 'new', rootDir: dir, argv: [] }).install()
  try {
    const testFile = join(dir, TEST_FILE)
    recorder.startFile(testFile)
    env.MY_SERVICE_TOKEN = SETUP_KEY
    recorder.noteEnvironment()
    delete env.MY_SERVICE_TOKEN
    const run = recorder.startTest({ testFile, testName: 'after the key was deleted' })
    await run.run(async () => (await ask(`echo ${SETUP_KEY} end`)).text())
    const outcome = run.finish({ status: 'passed' })
    recorder.finishFile(testFile)
    expect(JSON.stringify(readRecording(outcome.path))).not.toContain(SETUP_KEY)
  } finally {
    await recorder.dispose()
  }
})

/** A loopback API whose answer holds the key the request did not carry (an account's key listed). */
function startEchoServer(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ echo: `your key ${SETUP_KEY}` }))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

describe('a key a setup file set and a beforeAll deleted, through the real runners', () => {
  let echo: Server
  let base: string
  beforeAll(async () => {
    echo = await startEchoServer()
    base = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())))

  const setupFile = `process.env.MY_SERVICE_TOKEN = '${SETUP_KEY}'\n`
  const testFile = (imports: string) => `${imports}
beforeAll(() => { delete process.env.MY_SERVICE_TOKEN })
test('echo after the key was deleted', async () => {
  const answer = await (await fetch(process.env.ECHO_BASE + '/v1/me')).json()
  expect(answer.echo).toBe('your key ${SETUP_KEY}')
})
`

  it('Vitest', async () => {
    const fixture = VitestFixture.create({
      'vitest.config.js': `import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings({ reportFile: 'report.json', binding: process.env.BINDING })], test: { setupFiles: ['./setup.cjs'] } })
`,
      'setup.cjs': setupFile,
      'echo.test.js': testFile(`import { beforeAll, expect, test } from 'vitest'`),
    })
    try {
      // Both ways the plugin binds tests: aroundAll reads, or a beforeAll registered first.
      for (const binding of ['aroundEach', 'beforeEach']) {
        fixture.remove('__recordings__')
        const env = { FETCH_RECORDINGS: 'new', ECHO_BASE: base, BINDING: binding }
        const run = await fixture.run([], { env })
        expect(run.code, run.output).toBe(0)
        const [path] = fixture.recordings()
        expect(path).toBeDefined()
        expect(fixture.read(path as string)).toContain('[redacted]')
        expect(fixture.read(path as string)).not.toContain(SETUP_KEY)
      }
    } finally {
      fixture.dispose()
    }
  })

  it('Jest', async () => {
    const project = new JestProject({ files: { 'setup.js': setupFile, 'echo.test.js': testFile('') } })
    project.write(
      'jest.config.js',
      project
        .read('jest.config.js')
        .replace('transform: {},', "transform: {},\n  setupFiles: ['./setup.js'],"),
    )
    try {
      const run = await project.run({ env: { FETCH_RECORDINGS: 'new', ECHO_BASE: base } })
      expect(run.exitCode, run.output).toBe(0)
      const recordings = readdirSync(join(project.dir, '__recordings__'), { recursive: true })
        .map(String)
        .filter((path) => path.endsWith('.json'))
      expect(recordings).toHaveLength(1)
      const text = project.read(join('__recordings__', recordings[0] as string))
      expect(text).toContain('[redacted]')
      expect(text).not.toContain(SETUP_KEY)
    } finally {
      project.cleanup()
    }
  })
})

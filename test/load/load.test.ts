/**
 * Load and concurrency: many tests, many requests, several workers, every pool.
 *
 * A generated project of 5 test files × 10 tests (a third of them `test.concurrent`, in one
 * block per file so that they really overlap), each test sending 10 requests through global
 * fetch to the fake OpenAI API: JSON chat completions and SSE streams, with two groups of
 * identical requests per test. Every prompt names its test and its index (identical requests
 * carry the index of their group's first one), so a request stored in another test's file, or
 * at another position, is seen. Within a group of identical requests the order is checked
 * through the response ids: the fake API mints fresh ids (randomIds), which normalizeIds turns
 * into ids derived from the test and the request's position, so each answer of a group has its
 * own id; every test logs what it got (LOAD_LOG) on every run. A control test tampers with a
 * copy of the recordings to show that the checks see a moved or a swapped request.
 *
 * Vitest: the same 50 tests in each pool (forks, threads, vmThreads, vmForks, and a forks
 * project without isolation), as projects of one run with 2 workers. Jest: `--maxWorkers=2`
 * with a fresh cache (the pid probe proves that more than one process ran test files).
 * Each runner records once, then replays 5 times in a row with CI=true and the API server
 * closed: every run passes, nothing misses, every test gets the answers it got while
 * recording, in the same order, and the recording files stay byte-identical. The figures are
 * printed as `[load] …` lines (docs/reliability.md, "Load and concurrency").
 *
 * Also run against Vitest 5 on Node 22 by .ci/matrix-vitest5 (FR_VITEST_HOME); the
 * isolate: false project is what showed Vitest 5's shared Vite server dropping the setup file.
 */
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { summaryOf } from '../support/contract.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { JestProject, PID_PROBE } from '../support/jest-fixture.js'
import { VitestFixture } from '../support/vitest-fixture.js'

const FILES = 5
const TESTS_PER_FILE = 10
const REPLAYS = 5
/** Concurrent tests per file (one block, t03…): 4+4+3+3+3 = 17 of 50, a third. */
const concurrentIn = (file: number) => (file < 2 ? 4 : 3)
const FIRST_CONCURRENT = 3
const VITEST_POOLS = ['forks', 'threads', 'vmThreads', 'vmForks', 'shared'] as const

/**
 * The 10 requests of every test, in order: `key` is the index whose prompt the request uses.
 * Groups of identical requests: {2, 3, 8} (JSON) and {4, 5, 7} (SSE), adjacent and not.
 */
const PLAN = [
  { stream: false, key: 0 },
  { stream: true, key: 1 },
  { stream: false, key: 2 },
  { stream: false, key: 2 },
  { stream: true, key: 4 },
  { stream: true, key: 4 },
  { stream: false, key: 6 },
  { stream: true, key: 4 },
  { stream: false, key: 2 },
  { stream: true, key: 9 },
]
const REQUESTS_PER_TEST = PLAN.length
const promptOf = (tag: string, key: number) => `load ${tag} #${key}`
const PROMPT = /^load (\S+) #(\d+)$/

/** The scenario every generated test runs; plain JavaScript, for both runners. */
const SCENARIO = `
const PLAN = ${JSON.stringify(PLAN)}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function send(prompt, stream) {
  const response = await fetch(process.env.FAKE_API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-load-secret-0006' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: prompt }] }),
  })
  if (response.status !== 200) throw new Error('HTTP ' + response.status + ' for ' + prompt)
  if (!stream) {
    const json = await response.json()
    return { id: json.id, content: json.choices[0].message.content }
  }
  const events = []
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk, { stream: true })
    const lines = buffered.split('\\n')
    buffered = lines.pop()
    for (const line of lines) if (line.startsWith('data: {')) events.push(JSON.parse(line.slice(6)))
  }
  const ids = new Set(events.map((event) => event.id))
  if (ids.size !== 1) throw new Error('one stream, several ids: ' + [...ids].join(', '))
  const content = events.map((event) => event.choices[0]?.delta?.content ?? '').join('')
  return { id: events[0].id, content }
}

/** Sends the plan's 10 requests in order, checks every answer, logs what it got. */
async function scenario(tag, seed) {
  const start = Date.now()
  const log = []
  for (let i = 0; i < PLAN.length; i++) {
    const { stream, key } = PLAN[i]
    const prompt = 'load ' + tag + ' #' + key
    // Uneven pauses, so that concurrent tests interleave their requests.
    await sleep((seed * 3 + i * 5) % 4)
    const answer = await send(prompt, stream)
    if (answer.content !== 'Echo: ' + prompt)
      throw new Error('request ' + i + ' of ' + tag + ' got "' + answer.content + '"')
    log.push({ i, prompt, stream, id: answer.id })
  }
  mkdirSync(process.env.LOAD_LOG, { recursive: true })
  const run = { pid: process.pid, start, end: Date.now(), log }
  writeFileSync(join(process.env.LOAD_LOG, tag.replaceAll('/', '_') + '.json'), JSON.stringify(run))
}
`

const VITEST_HELPERS = `import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
${SCENARIO}
export { scenario }
`

const JEST_HELPERS = `const { mkdirSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
${SCENARIO}
module.exports = { scenario }
`

const testName = (t: number) => `t${String(t).padStart(2, '0')}`

/** One test file's tests: `declare` is the runner's way of declaring a test or a concurrent one. */
function testsOf(prefix: string, file: number): string {
  const lines: string[] = []
  for (let t = 0; t < TESTS_PER_FILE; t++) {
    const concurrent = t >= FIRST_CONCURRENT && t < FIRST_CONCURRENT + concurrentIn(file)
    const tag = `${prefix}/f${file}/${testName(t)}`
    lines.push(
      `test${concurrent ? '.concurrent' : ''}('${testName(t)}', () => scenario('${tag}', ${file * TESTS_PER_FILE + t}))`,
    )
  }
  return `${lines.join('\n')}\n`
}

const VITEST_CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
const project = (name: string, pool: string, isolate = true) => ({
  extends: true,
  test: { name, pool, isolate, include: [name + '/*.test.ts'] },
})
export default defineConfig({
  plugins: [fetchRecordings()],
  test: {
    maxWorkers: 2,
    testTimeout: 30_000,
    projects: [
${VITEST_POOLS.map((pool) => `      project('${pool}', '${pool === 'shared' ? 'forks' : pool}'${pool === 'shared' ? ', false' : ''}),`).join('\n')}
    ],
  },
})
`

interface LogEntry {
  i: number
  prompt: string
  stream: boolean
  id: string
}

interface TestRun {
  pid: number
  start: number
  end: number
  log: LogEntry[]
}

/** What the tests of one run logged, by tag. */
function readRuns(dir: string): Map<string, TestRun> {
  const runs = new Map<string, TestRun>()
  if (!existsSync(dir)) return runs
  for (const name of readdirSync(dir)) {
    runs.set(
      name.slice(0, -'.json'.length).replaceAll('_', '/'),
      JSON.parse(readFileSync(join(dir, name), 'utf8')),
    )
  }
  return runs
}

const readLogs = (runs: Map<string, TestRun>) => new Map([...runs].map(([tag, run]) => [tag, run.log]))

/** How the run really went: processes that ran tests, and pairs of tests of one file that overlapped. */
function concurrencyOf(runs: Map<string, TestRun>): { processes: number; overlaps: number } {
  const byFile = new Map<string, TestRun[]>()
  for (const [tag, run] of runs) {
    const file = tag.slice(0, tag.lastIndexOf('/'))
    byFile.set(file, [...(byFile.get(file) ?? []), run])
  }
  let overlaps = 0
  for (const tests of byFile.values()) {
    tests.forEach((a, index) => {
      for (const b of tests.slice(index + 1)) if (a.start < b.end && b.start < a.end) overlaps++
    })
  }
  return { processes: new Set([...runs.values()].map((run) => run.pid)).size, overlaps }
}

/** Every file under every `__recordings__` folder of `root` (temp files too), with its SHA-256. */
function recordingFiles(root: string): Map<string, string> {
  const files = new Map<string, string>()
  const visit = (dir: string, inside: boolean) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue
      const path = join(dir, entry.name)
      if (entry.isDirectory()) visit(path, inside || entry.name === '__recordings__')
      else if (inside)
        files.set(relative(root, path), createHash('sha256').update(readFileSync(path)).digest('hex'))
    }
  }
  visit(root, false)
  return files
}

function differences(before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()])
  return [...paths].filter((path) => before.get(path) !== after.get(path)).sort()
}

interface StoredInteraction {
  request: { body: { stream?: boolean; messages: { content: string }[] } }
  response: { body: unknown }
}

/** The id a stored response carries (JSON: `id`; SSE: the `id` of its first data event). */
function storedIdOf(interaction: StoredInteraction): string | undefined {
  const body = interaction.response.body as { id?: string } | { data: unknown }[]
  if (Array.isArray(body))
    return (body.find((event) => typeof event.data === 'object')?.data as { id?: string })?.id
  return body.id
}

interface Attribution {
  files: number
  interactions: number
  /** Interactions stored in another test's file. */
  misattributed: number
  /** Interactions in their own test's file, at the wrong position (prompt, kind or answer id). */
  misplaced: number
  problems: string[]
}

/**
 * Reads every recording file: `test_id` must be one of the generated tests, and its
 * interactions must be the test's 10 requests in order, with the answer ids the test logged.
 */
function checkRecordings(
  root: string,
  tagOf: (testId: string) => string | undefined,
  logs: Map<string, LogEntry[]>,
): Attribution {
  const result: Attribution = { files: 0, interactions: 0, misattributed: 0, misplaced: 0, problems: [] }
  const seen = new Set<string>()
  for (const path of recordingFiles(root).keys()) {
    const recording = JSON.parse(readFileSync(join(root, path), 'utf8')) as {
      test_id: string
      interactions: StoredInteraction[]
    }
    result.files++
    const tag = tagOf(recording.test_id)
    if (!tag) {
      result.problems.push(`${path}: unexpected test_id ${recording.test_id}`)
      continue
    }
    seen.add(tag)
    const log = logs.get(tag) ?? []
    if (recording.interactions.length !== REQUESTS_PER_TEST)
      result.problems.push(`${path}: ${recording.interactions.length} interactions`)
    recording.interactions.forEach((interaction, index) => {
      result.interactions++
      const prompt = interaction.request.body.messages[0]?.content ?? ''
      const [, owner] = PROMPT.exec(prompt) ?? []
      if (owner !== tag) {
        result.misattributed++
        result.problems.push(`${path}[${index}]: "${prompt}" belongs to ${owner}`)
        return
      }
      const planned = PLAN[index]
      const placed =
        planned !== undefined &&
        prompt === promptOf(tag, planned.key) &&
        (interaction.request.body.stream === true) === planned.stream &&
        storedIdOf(interaction) === log[index]?.id
      if (!placed) {
        result.misplaced++
        result.problems.push(
          `${path}[${index}]: "${prompt}" id ${storedIdOf(interaction)}, logged ${log[index]?.id}`,
        )
      }
    })
  }
  for (const tag of logs.keys()) if (!seen.has(tag)) result.problems.push(`no recording for ${tag}`)
  return result
}

/** Differences between what the tests got in a replay and what they got while recording. */
function compareLogs(recorded: Map<string, LogEntry[]>, replayed: Map<string, LogEntry[]>): string[] {
  const problems: string[] = []
  for (const [tag, entries] of recorded) {
    const again = replayed.get(tag)
    if (JSON.stringify(again) !== JSON.stringify(entries)) problems.push(`${tag}: answers differ`)
  }
  for (const tag of replayed.keys()) if (!recorded.has(tag)) problems.push(`${tag}: not in the recording run`)
  return problems
}

/** Every logged id of a test is distinct: the order check within identical groups means something. */
function distinctIds(logs: Map<string, LogEntry[]>): boolean {
  return [...logs.values()].every(
    (entries) => new Set(entries.map((entry) => entry.id)).size === entries.length,
  )
}

const MISS = /RECORDING_MISS|RECORDING_EXHAUSTED|AMBIGUOUS_TEST|No recorded response/

interface Figures {
  runner: string
  tests: number
  recorded: number
  files: number
  replays: number
  replayedRequests: number
  misses: number
  misattributions: number
  misplaced: number
  differingFiles: number
  recordMs: number
  replayMs: number[]
  concurrency?: { processes: number; overlaps: number }
}

function report(figures: Figures): void {
  const seconds = (ms: number) => (ms / 1000).toFixed(1)
  console.log(
    `[load] ${figures.runner}: ${figures.tests} tests, ${figures.recorded} requests recorded into ${figures.files} files ` +
      `(${seconds(figures.recordMs)} s); ${figures.replays} replays of ${figures.replayedRequests / figures.replays} requests ` +
      `(${figures.replayMs.map(seconds).join(', ')} s): ${figures.misses} misses, ${figures.misattributions} misattributed, ` +
      `${figures.misplaced} out of order, ${figures.differingFiles} files differing; while recording ` +
      `${figures.concurrency?.processes} processes ran tests and ${figures.concurrency?.overlaps} pairs of tests of one file overlapped`,
  )
}

const logRoot = mkdtempSync(join(tmpdir(), 'fr-load-logs-'))
let logRuns = 0
const newLogDir = () => join(logRoot, `run-${++logRuns}`)

afterAll(() => rmSync(logRoot, { recursive: true, force: true }))

describe('vitest: 50 tests × 10 requests in every pool', () => {
  const TESTS = VITEST_POOLS.length * FILES * TESTS_PER_FILE
  let fixture: VitestFixture
  let recordedLogs: Map<string, LogEntry[]>
  let recordedFiles: Map<string, string>
  const figures: Figures = {
    runner: `vitest (${VITEST_POOLS.join(', ')}; 2 workers)`,
    tests: TESTS,
    recorded: 0,
    files: 0,
    replays: 0,
    replayedRequests: 0,
    misses: 0,
    misattributions: 0,
    misplaced: 0,
    differingFiles: 0,
    recordMs: 0,
    replayMs: [],
  }

  let api: FakeApi

  beforeAll(async () => {
    // Fresh ids on every answer: identical requests get distinct answers, told apart by id.
    api = await startFakeApi({ randomIds: true })
    const files: Record<string, string> = { 'vitest.config.ts': VITEST_CONFIG, 'helpers.ts': VITEST_HELPERS }
    for (const pool of VITEST_POOLS) {
      for (let file = 0; file < FILES; file++) {
        files[`${pool}/f${file}.test.ts`] =
          `import { test } from 'vitest'\nimport { scenario } from '../helpers'\n\n${testsOf(pool, file)}`
      }
    }
    fixture = VitestFixture.create(files)
  })

  afterAll(async () => {
    await api?.close()
    fixture?.dispose()
  })

  const run = (logDir: string, env: Record<string, string> = {}) =>
    fixture.run([], { env: { FAKE_API_URL: api.url, LOAD_LOG: logDir, ...env }, timeoutMs: 120_000 })
  const tagOf = (testId: string) => {
    const [, pool, file, name] = /^(\w+)\/(f\d)\.test\.ts > (t\d\d)$/.exec(testId) ?? []
    return pool ? `${pool}/${file}/${name}` : undefined
  }

  test('records every request into its own test file, in order', { timeout: 180_000 }, async () => {
    const logDir = newLogDir()
    const started = performance.now()
    const result = await run(logDir)
    figures.recordMs = performance.now() - started
    expect(result.code, result.output).toBe(0)
    expect(summaryOf(result.output), result.output).toEqual({
      replayed: 0,
      written: TESTS,
      updated: 0,
      stale: 0,
      removed: 0,
      mode: 'new',
    })
    const runs = readRuns(logDir)
    recordedLogs = readLogs(runs)
    expect(recordedLogs.size).toBe(TESTS)
    figures.concurrency = concurrencyOf(runs)
    // Every file's block of concurrent tests overlapped; several processes ran tests.
    expect(figures.concurrency.overlaps).toBeGreaterThanOrEqual(TESTS / TESTS_PER_FILE)
    expect(figures.concurrency.processes).toBeGreaterThan(1)
    expect(distinctIds(recordedLogs), 'each answer of a test has its own id').toBe(true)
    figures.recorded = api.requests.length
    expect(figures.recorded).toBe(TESTS * REQUESTS_PER_TEST)

    const attribution = checkRecordings(fixture.dir, tagOf, recordedLogs)
    figures.files = attribution.files
    figures.misattributions = attribution.misattributed
    figures.misplaced = attribution.misplaced
    expect(attribution.problems).toEqual([])
    expect(attribution).toMatchObject({ files: TESTS, interactions: TESTS * REQUESTS_PER_TEST })
    recordedFiles = recordingFiles(fixture.dir)
  })

  test('the checks see a request moved to another test or swapped within its identical group', () => {
    expect(recordedFiles, 'the recording run passed').toBeDefined()
    const copy = mkdtempSync(join(tmpdir(), 'fr-load-control-'))
    try {
      cpSync(fixture.path('forks/__recordings__'), join(copy, 'forks/__recordings__'), { recursive: true })
      const [first, second] = [...recordingFiles(copy).keys()].map((path) => join(copy, path))
      const load = (path: string) => JSON.parse(readFileSync(path, 'utf8'))
      const a = load(first as string)
      const b = load(second as string)
      // Requests 2 and 3 are identical: only their answers tell them apart.
      ;[a.interactions[2], a.interactions[3]] = [a.interactions[3], a.interactions[2]]
      b.interactions.push(a.interactions.pop())
      writeFileSync(first as string, JSON.stringify(a))
      writeFileSync(second as string, JSON.stringify(b))
      const control = checkRecordings(copy, tagOf, recordedLogs)
      expect(control).toMatchObject({ files: FILES * TESTS_PER_FILE, misattributed: 1, misplaced: 2 })
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })

  test(`replays ${REPLAYS} times in a row offline: no miss, same answers, files unchanged`, {
    timeout: 480_000,
  }, async () => {
    expect(recordedFiles, 'the recording run passed').toBeDefined()
    // The API is gone: its port refuses connections, and the URL recorded stays the same.
    await api.close()
    for (let replay = 1; replay <= REPLAYS; replay++) {
      const logDir = newLogDir()
      const started = performance.now()
      const result = await run(logDir, { CI: 'true' })
      figures.replayMs.push(performance.now() - started)
      const context = `replay ${replay}\n${result.output}`
      figures.misses += result.output.match(new RegExp(MISS.source, 'g'))?.length ?? 0
      expect(result.code, context).toBe(0)
      expect(result.output, context).not.toMatch(MISS)
      expect(summaryOf(result.output), context).toEqual({
        replayed: TESTS,
        written: 0,
        updated: 0,
        stale: 0,
        removed: 0,
        mode: 'replay',
      })
      expect(compareLogs(recordedLogs, readLogs(readRuns(logDir))), context).toEqual([])
      const changed = differences(recordedFiles, recordingFiles(fixture.dir))
      figures.differingFiles += changed.length
      expect(changed, context).toEqual([])
      figures.replays++
      figures.replayedRequests += TESTS * REQUESTS_PER_TEST
    }
    report(figures)
  })
})

describe('jest --maxWorkers=2: 50 tests × 10 requests', () => {
  const TESTS = FILES * TESTS_PER_FILE
  let project: JestProject
  let recordedLogs: Map<string, LogEntry[]>
  let recordedFiles: Map<string, string>
  const figures: Figures = {
    runner: 'jest (--maxWorkers=2)',
    tests: TESTS,
    recorded: 0,
    files: 0,
    replays: 0,
    replayedRequests: 0,
    misses: 0,
    misattributions: 0,
    misplaced: 0,
    differingFiles: 0,
    recordMs: 0,
    replayMs: [],
  }

  let api: FakeApi

  beforeAll(async () => {
    // Fresh ids on every answer: identical requests get distinct answers, told apart by id.
    api = await startFakeApi({ randomIds: true })
    const files: Record<string, string> = { 'helpers.js': JEST_HELPERS }
    for (let file = 0; file < FILES; file++) {
      files[`f${file}.test.js`] =
        `const { scenario } = require('./helpers')\n\n${testsOf('jest', file)}${PID_PROBE}`
    }
    project = new JestProject({ files })
  })

  afterAll(async () => {
    await api?.close()
    project?.cleanup()
  })

  const run = (logDir: string, env: Record<string, string> = {}) =>
    project.run({ workers: true, env: { FAKE_API_URL: api.url, LOAD_LOG: logDir, ...env } })
  const tagOf = (testId: string) => {
    const [, file, name] = /^(f\d)\.test\.js > (t\d\d)$/.exec(testId) ?? []
    return file ? `jest/${file}/${name}` : undefined
  }

  test('records every request into its own test file, in order', { timeout: 150_000 }, async () => {
    const logDir = newLogDir()
    const started = performance.now()
    const result = await run(logDir)
    figures.recordMs = performance.now() - started
    expect(result.exitCode, result.output).toBe(0)
    expect(result.pids, 'test files ran in more than one process').toBeGreaterThan(1)
    expect(summaryOf(result.output), result.output).toEqual({
      replayed: 0,
      written: TESTS,
      updated: 0,
      stale: 0,
      removed: 0,
      mode: 'new',
    })
    const runs = readRuns(logDir)
    recordedLogs = readLogs(runs)
    expect(recordedLogs.size).toBe(TESTS)
    figures.concurrency = concurrencyOf(runs)
    // Every file's block of concurrent tests overlapped; several processes ran tests.
    expect(figures.concurrency.overlaps).toBeGreaterThanOrEqual(TESTS / TESTS_PER_FILE)
    expect(figures.concurrency.processes).toBeGreaterThan(1)
    expect(distinctIds(recordedLogs), 'each answer of a test has its own id').toBe(true)
    figures.recorded = api.requests.length
    expect(figures.recorded).toBe(TESTS * REQUESTS_PER_TEST)

    const attribution = checkRecordings(project.dir, tagOf, recordedLogs)
    figures.files = attribution.files
    figures.misattributions = attribution.misattributed
    figures.misplaced = attribution.misplaced
    expect(attribution.problems).toEqual([])
    expect(attribution).toMatchObject({ files: TESTS, interactions: TESTS * REQUESTS_PER_TEST })
    recordedFiles = recordingFiles(project.dir)
  })

  test(`replays ${REPLAYS} times in a row offline: no miss, same answers, files unchanged`, {
    timeout: 300_000,
  }, async () => {
    expect(recordedFiles, 'the recording run passed').toBeDefined()
    // The API is gone: its port refuses connections, and the URL recorded stays the same.
    await api.close()
    for (let replay = 1; replay <= REPLAYS; replay++) {
      const logDir = newLogDir()
      const started = performance.now()
      const result = await run(logDir, { CI: 'true' })
      figures.replayMs.push(performance.now() - started)
      const context = `replay ${replay}\n${result.output}`
      figures.misses += result.output.match(new RegExp(MISS.source, 'g'))?.length ?? 0
      expect(result.exitCode, context).toBe(0)
      expect(result.pids, context).toBeGreaterThan(1)
      expect(result.output, context).not.toMatch(MISS)
      expect(summaryOf(result.output), context).toEqual({
        replayed: TESTS,
        written: 0,
        updated: 0,
        stale: 0,
        removed: 0,
        mode: 'replay',
      })
      expect(compareLogs(recordedLogs, readLogs(readRuns(logDir))), context).toEqual([])
      const changed = differences(recordedFiles, recordingFiles(project.dir))
      figures.differingFiles += changed.length
      expect(changed, context).toEqual([])
      figures.replays++
      figures.replayedRequests += TESTS * REQUESTS_PER_TEST
    }
    report(figures)
  })
})

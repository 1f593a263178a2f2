/**
 * The generated leaks through the real runners: one Vitest and one Jest project, each with one
 * test file of generated cases (so two subprocess runs per runner: record, then replay in CI
 * with dummy keys). Keys reach the tests only through the environment of the run: half of the
 * environment carriers are set by a setup file (as `dotenv/config` would), half in `beforeAll`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JestProject } from '../support/jest-fixture.js'
import { VitestFixture } from '../support/vitest-fixture.js'
import { type LeakCase, leaksOf, ORDINARY, sampleCases, startLeakApi } from './leak-cases.js'

const SEED = 20261202
const COUNT = 30
const CLIENT = readFileSync(join(import.meta.dirname, 'fixtures/leak-client.cjs'), 'utf8')

/**
 * Cases of one project: environment carriers get a name of their own (one variable each), and
 * the first two cases with a long key are pinned to environment carriers that the answer echoes,
 * so both ways a variable appears late (a setup file, a `beforeAll`) are proven in every run.
 */
function casesFor(prefix: string, seed: number): LeakCase[] {
  const cases = sampleCases(seed, COUNT).map((leak) => ({ ...leak, id: `${prefix}${leak.id}` }))
  const pinned = cases.filter((leak) => leak.format !== 'short').slice(0, 2)
  for (const [n, leak] of pinned.entries()) {
    // A shape no format knows: only the environment scan can find it.
    leak.key = `${Buffer.from(leak.key).toString('base64url').slice(0, 28)}a7Q`
    leak.carrier = { kind: 'env', name: 'API_KEY' }
    leak.echo = n === 0 ? 'json' : 'sse-split'
    leak.dummy = 'dummy'
  }
  return cases.map((leak) =>
    leak.carrier.kind === 'env'
      ? { ...leak, carrier: { kind: 'env', name: `${leak.id.toUpperCase()}_${leak.carrier.name}` } }
      : leak,
  )
}

/** What a fixture may know of the cases: everything but the keys (they come through the env). */
const publicCases = (cases: readonly LeakCase[]) =>
  JSON.stringify(cases.map(({ key: _key, dummy: _dummy, ...rest }) => rest))

const keysOf = (cases: readonly LeakCase[], which: 'key' | 'dummy') =>
  JSON.stringify(Object.fromEntries(cases.map((leak) => [leak.id, leak[which]])))

/** Sets every other environment carrier (by `parity`) from LEAK_KEYS. */
const envSetter = (parity: 0 | 1) => `
for (const [n, leak] of cases.filter((leak) => leak.carrier.kind === 'env').entries()) {
  if (n % 2 === ${parity}) process.env[leak.carrier.name] = keys[leak.id]
}`

function testFileBody(): string {
  return `
beforeAll(() => {${envSetter(1)}
})
for (const leak of cases) {
  test(leak.id, async () => {
    const answer = await ask(leak, process.env.LEAK_API, keys[leak.id])
    expect(answer.status).toBe(200)
    if (leak.echo !== 'binary') expect(answer.text).toContain(${JSON.stringify(ORDINARY)})
  })
}
`
}

/**
 * Host names through the run's request credentials: axios (node:http) sends each as its `host`
 * header in one test, and a later test of the same worker names them in a URL. A host with a
 * digit was taken as a credential of the first request and redacted from the second's file.
 */
const HOSTS = ['api.example.test:47611', 'bedrock-runtime.us-east-1.amazonaws.com', 'ollama-host:11434']
const HOSTS_TEST = `import axios from 'axios'
import { expect, test } from 'vitest'
const hosts = ${JSON.stringify(HOSTS)}
test('axios sends host headers', async () => {
  for (const host of hosts) {
    const answer = await axios.get(process.env.LEAK_API + '/hosts', { headers: { host }, validateStatus: () => true })
    expect(answer.status).toBe(404)
  }
})
test('a later request names those hosts', async () => {
  const next = hosts.map((host) => encodeURIComponent('http://' + host + '/page2')).join(',')
  expect((await fetch(process.env.LEAK_API + '/hosts?next=' + next)).status).toBe(404)
})
`

/** The fixture's own sources: what a run writes is everything else. */
const SOURCES = new Set([
  'leak-client.cjs',
  'cases.json',
  'env-setup.ts',
  'env-setup.js',
  'leaks.test.ts',
  'leaks.test.js',
  'hosts.test.ts',
])

/** Every file a run wrote in the project (outside node_modules), as latin1 (a character per byte). */
function filesOf(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  const visit = (folder: string) => {
    for (const name of readdirSync(folder)) {
      if (name === 'node_modules') continue
      const path = join(folder, name)
      if (statSync(path).isDirectory()) visit(path)
      else if (!SOURCES.has(name)) files.set(path, readFileSync(path).toString('latin1'))
    }
  }
  visit(dir)
  return files
}

/** `case: file` for every case with a form of its key in a file. */
function leakedIn(dir: string, cases: readonly LeakCase[]): string[] {
  const files = filesOf(dir)
  return cases.flatMap((leak) =>
    [...files]
      .filter(([, text]) => leaksOf(leak, text).length > 0)
      .map(
        ([path]) => `${leak.id} ${JSON.stringify(leak.carrier)} ${leak.echo}: ${path.slice(dir.length + 1)}`,
      ),
  )
}

let api: Awaited<ReturnType<typeof startLeakApi>>
const vitestCases = casesFor('v', SEED)
const jestCases = casesFor('j', SEED + 1)

beforeAll(async () => {
  api = await startLeakApi([...vitestCases, ...jestCases])
})
afterAll(() => api.close())

describe(`generated leaks in real runners: ${COUNT} cases per runner (seeds ${SEED}, ${SEED + 1})`, () => {
  it('Vitest: record with the real keys, nothing on disk; CI replay with dummies passes offline', async () => {
    const fixture = VitestFixture.create(
      {
        'vitest.config.ts': `import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()], test: { include: ['tests/**/*.test.ts'], setupFiles: ['./tests/env-setup.ts'] } })
`,
        'tests/leak-client.cjs': CLIENT,
        'tests/cases.json': publicCases(vitestCases),
        'tests/env-setup.ts': `import cases from './cases.json'\nconst keys = JSON.parse(process.env.LEAK_KEYS as string)\n${envSetter(0)}\n`,
        'tests/leaks.test.ts': `import { beforeAll, expect, test } from 'vitest'
import client from './leak-client.cjs'
import cases from './cases.json'
const { ask } = client
const keys = JSON.parse(process.env.LEAK_KEYS as string)
${testFileBody()}`,
        'tests/hosts.test.ts': HOSTS_TEST,
      },
      ['axios'],
    )
    try {
      const record = await fixture.run([], {
        env: { LEAK_API: api.url, LEAK_KEYS: keysOf(vitestCases, 'key') },
      })
      expect(record.code, record.output).toBe(0)
      expect(fixture.recordings().length).toBe(COUNT + 2)
      const hostFiles = fixture.recordings().filter((path) => path.includes('hosts.test.ts'))
      const hostText = hostFiles.map((path) => fixture.read(path)).join('\n')
      expect(hostText).not.toContain('[redacted]')
      for (const host of HOSTS) expect(hostText).toContain(encodeURIComponent(`http://${host}/page2`))
      // The summary says how many values were redacted, and for which test file.
      expect(record.output).toMatch(/\d+ secret value\(s\) redacted before writing/)
      expect(record.output).toMatch(
        /tests\/leaks\.test\.ts\s+· redacted \d+ secret value\(s\) before writing its recordings/,
      )
      expect(leakedIn(fixture.dir, vitestCases)).toEqual([])
      const before = api.requests()
      const replay = await fixture.run([], {
        env: { LEAK_API: api.url, LEAK_KEYS: keysOf(vitestCases, 'dummy'), CI: '1', OPENAI_API_KEY: 'dummy' },
      })
      expect(replay.code, replay.output).toBe(0)
      expect(replay.output).toContain(`${COUNT + 2} replayed`)
      expect(api.requests()).toBe(before)
    } finally {
      fixture.dispose()
    }
  })

  it('Jest: record with the real keys, nothing on disk; CI replay with dummies passes offline', async () => {
    const project = new JestProject({
      files: {
        'leak-client.cjs': CLIENT,
        'cases.json': publicCases(jestCases),
        'env-setup.js': `const cases = require('./cases.json')\nconst keys = JSON.parse(process.env.LEAK_KEYS)\n${envSetter(0)}\n`,
        'leaks.test.js': `const { ask } = require('./leak-client.cjs')
const cases = require('./cases.json')
const keys = JSON.parse(process.env.LEAK_KEYS)
${testFileBody()}`,
      },
    })
    project.write(
      'jest.config.js',
      project
        .read('jest.config.js')
        .replace('module.exports = {', "module.exports = {\n  setupFiles: ['./env-setup.js'],"),
    )
    try {
      const record = await project.run({ env: { LEAK_API: api.url, LEAK_KEYS: keysOf(jestCases, 'key') } })
      expect(record.exitCode, record.output).toBe(0)
      expect(record.output).toMatch(
        /leaks\.test\.js\s+· redacted \d+ secret value\(s\) before writing its recordings/,
      )
      expect(filesOf(project.dir).size).toBeGreaterThanOrEqual(COUNT)
      expect(leakedIn(project.dir, jestCases)).toEqual([])
      const before = api.requests()
      const replay = await project.run({
        env: { LEAK_API: api.url, LEAK_KEYS: keysOf(jestCases, 'dummy'), CI: '1', OPENAI_API_KEY: 'dummy' },
      })
      expect(replay.exitCode, replay.output).toBe(0)
      expect(replay.output).toContain(`${COUNT} replayed`)
      expect(api.requests()).toBe(before)
    } finally {
      project.cleanup()
    }
  })
})

/**
 * Record then miss: a value a test sends first at an ordinary place (a JSON field, a query
 * parameter, a match header, a form or multipart field, a text or binary body) and only later as a
 * credential (a later request's Authorization header, `x-api-key`, `api_key` parameter, a
 * `client_secret` field, or a variable set afterwards). The write redacts it with every secret the
 * run knows by then, the live first request still carries it (or, in CI, a dummy of another
 * shape): before redacted places (docs/matching.md), the first request missed on every replay.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allFiles, session, tempDir } from '../support/core-helpers.js'
import { JestProject } from '../support/jest-fixture.js'
import { VitestFixture } from '../support/vitest-fixture.js'
import { formsOf } from './leak-cases.js'

const { sendCase } = createRequire(import.meta.url)('./fixtures/late-secret-client.cjs') as {
  sendCase: (lateCase: LateCase, base: string, value: string, changed?: boolean) => Promise<Sent>
}
const CLIENT = readFileSync(join(import.meta.dirname, 'fixtures/late-secret-client.cjs'), 'utf8')

const FIRST = ['json', 'json-text', 'json-base64', 'query', 'header', 'form', 'multipart', 'text', 'binary']
const LATER = ['authorization', 'x-api-key', 'api-key-param', 'body-field', 'env']
const SEED = 20261205

interface LateCase {
  id: string
  first: string
  later: string
}
interface Sent {
  status: number
  text: string
}

/** An opaque key no token format knows (only the run's secrets find it). */
const opaqueKey = fc
  .uint8Array({ minLength: 18, maxLength: 27 })
  .map((bytes) => `${Buffer.from(bytes).toString('base64url')}a7Q`)
  .filter((key) => /[A-Z]/.test(key) && /[a-z]/.test(key) && /\d/.test(key))
/** What CI sends instead: another shape than the recorded key. */
const dummyKey = fc.constantFrom('dummy', 'sk-test', 'ci-dummy-key-0000', 'x')

/** A server answering every request with a fresh count: a replay that went out would show. */
async function startAnyApi() {
  let served = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      served++
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, served }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served: () => served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The forms of `values` (plain, escaped, percent, hex, base64 at 3 alignments) found in `text`. */
const leaked = (text: string, values: readonly string[]) =>
  values.flatMap(formsOf).filter((form) => form.length >= 8 && text.includes(form))

let api: Awaited<ReturnType<typeof startAnyApi>>
beforeAll(async () => {
  api = await startAnyApi()
})
afterAll(() => api.close())

/** Every pair of places, `perPair` times, each with fresh generated keys (fast-check, `seed`). */
function generatedCases(seed: number, perPair: number) {
  const pairs = FIRST.flatMap((first) => LATER.map((later) => ({ first, later })))
  const keys = fc.sample(fc.tuple(opaqueKey, dummyKey, opaqueKey), { seed, numRuns: pairs.length * perPair })
  return keys.map(([key, dummy, unseen], n) => {
    const pair = pairs[n % pairs.length] as { first: string; later: string }
    return { lateCase: { id: `c${n}`, ...pair }, key, dummy, unseen }
  })
}

const inProcess = generatedCases(SEED, 2)

describe(`record then miss, in process (${inProcess.length} generated cases, seed ${SEED})`, () => {
  it('records nothing of the key; replays with the key, a dummy, or in new mode offline; a changed request misses with the key masked', async () => {
    for (const { lateCase, key, dummy, unseen } of inProcess) {
      const dir = tempDir()
      const options = { env: process.env, matchHeaders: ['x-tenant'] }
      const envName = `${lateCase.id.toUpperCase()}_SERVICE_TOKEN`
      const label = JSON.stringify(lateCase)
      try {
        const send =
          (value: string, changed = false) =>
          () =>
            sendCase(lateCase, api.url, value, changed)
        const recorded = await session(dir, 'new', send(key), options)
        expect(recorded.result?.status, `${label} ${recorded.result?.text}`).toBe(200)
        const disk = allFiles(dir).map((path) => readFileSync(path, 'latin1'))
        expect(leaked(disk.join('\n'), [key]), label).toEqual([])
        const servedBefore = api.served()
        for (const [mode, value] of [
          ['replay', dummy],
          ['replay', key],
          ['new', key],
        ] as const) {
          const replayed = await session(dir, mode, send(value), options)
          expect(replayed.error?.message, `${label} ${mode} ${value}`).toBeUndefined()
          expect(replayed.result?.status, label).toBe(200)
        }
        expect(api.served(), label).toBe(servedBefore)
        expect(
          allFiles(dir).map((path) => readFileSync(path, 'latin1')),
          label,
        ).toEqual(disk)
        // A value this process never saw, in a request that changed elsewhere: only the recorded
        // `[redacted]` place tells the diff to mask it.
        const changed = await session(dir, 'replay', send(unseen, true), options)
        expect(changed.error?.code, label).toBe('RECORDING_MISS')
        expect(changed.error?.message, label).toContain('/changed')
        expect(leaked(`${changed.error?.message}\n${changed.result?.text}`, [unseen]), label).toEqual([])
      } finally {
        delete process.env[envName]
      }
    }
  })
})

const runnerCases = generatedCases(SEED + 1, 1)
const publicCases = JSON.stringify(runnerCases.map(({ lateCase }) => lateCase))
const valuesOf = (which: 'key' | 'dummy' | 'unseen') =>
  JSON.stringify(Object.fromEntries(runnerCases.map((c) => [c.lateCase.id, c[which]])))
const allKeys = runnerCases.flatMap((c) => [c.key, c.unseen])

/** The body of a fixture's test file: one test per case, values from the run's environment. */
const TEST_BODY = `
const values = JSON.parse(process.env.LATE_VALUES)
for (const lateCase of cases) {
  test(lateCase.id + ': ' + lateCase.first + ' then ' + lateCase.later, async () => {
    const sent = await sendCase(lateCase, process.env.LATE_API, values[lateCase.id], process.env.LATE_CHANGED === '1')
    expect(sent.status).toBe(200)
  })
}
`

/** Every file under `dir` but node_modules and the fixture's sources, as latin1 text. */
function writtenText(dir: string, sources: ReadonlySet<string>): string {
  const texts: string[] = []
  const visit = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name)
      if (name === 'node_modules' || sources.has(name)) continue
      if (statSync(path).isDirectory()) visit(path)
      else texts.push(readFileSync(path, 'latin1'))
    }
  }
  visit(dir)
  return texts.join('\n')
}

describe(`record then miss in the real runners (${runnerCases.length} cases, every pair of places once, seed ${SEED + 1})`, () => {
  it('Vitest: record, then CI and default-mode replays pass offline; a changed request misses with a clear diff, no key shown or written', async () => {
    const fixture = VitestFixture.create({
      'vitest.config.js': `import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({
  plugins: [fetchRecordings({ matchHeaders: ['x-tenant'], reportFile: 'report/run.json' })],
  test: { include: ['tests/**/*.test.js'] },
})
`,
      'tests/late-secret-client.cjs': CLIENT,
      'tests/cases.json': publicCases,
      'tests/late.test.js': `import { expect, test } from 'vitest'
import client from './late-secret-client.cjs'
import cases from './cases.json'
const { sendCase } = client
${TEST_BODY}`,
    })
    const sources = new Set([
      'late-secret-client.cjs',
      'cases.json',
      'late.test.js',
      'vitest.config.js',
      'package.json',
    ])
    try {
      const record = await fixture.run([], { env: { LATE_API: api.url, LATE_VALUES: valuesOf('key') } })
      expect(record.code, record.output).toBe(0)
      expect(fixture.recordings().length).toBe(runnerCases.length)
      expect(leaked(writtenText(fixture.dir, sources), allKeys)).toEqual([])
      const files = writtenText(fixture.dir, new Set([...sources, 'run.json']))
      const served = api.served()
      const ci = await fixture.run([], {
        env: { LATE_API: api.url, LATE_VALUES: valuesOf('dummy'), CI: '1' },
      })
      expect(ci.code, ci.output).toBe(0)
      expect(ci.output).toContain(`${runnerCases.length} replayed`)
      const local = await fixture.run([], { env: { LATE_API: api.url, LATE_VALUES: valuesOf('key') } })
      expect(local.code, local.output).toBe(0)
      expect(local.output).toContain(`${runnerCases.length} replayed`)
      expect(api.served()).toBe(served)
      expect(writtenText(fixture.dir, new Set([...sources, 'run.json']))).toBe(files)
      // Keys this run never saw before, in requests changed elsewhere.
      const changed = await fixture.run([], {
        env: { LATE_API: api.url, LATE_VALUES: valuesOf('unseen'), CI: '1', LATE_CHANGED: '1' },
      })
      expect(changed.code).toBe(1)
      expect(
        changed.output.match(/No recorded response matches this request/g)?.length,
      ).toBeGreaterThanOrEqual(runnerCases.length)
      expect(changed.output).toMatch(
        /url: "http:\/\/127\.0\.0\.1:\d+\/first\?q=\[redacted\]&page=2" → "http:\/\/127\.0\.0\.1:\d+\/changed\?q=\[redacted\]&page=2"/,
      )
      expect(leaked(changed.output, allKeys)).toEqual([])
      expect(leaked(writtenText(fixture.dir, sources), allKeys)).toEqual([])
      expect(api.served()).toBe(served)
    } finally {
      fixture.dispose()
    }
  })

  it('Jest: record, then CI (dummies) and default-mode replays pass offline, nothing of a key on disk', async () => {
    const project = new JestProject({
      environmentOptions: { matchHeaders: ['x-tenant'] },
      files: {
        'late-secret-client.cjs': CLIENT,
        'cases.json': publicCases,
        'late.test.js': `const { sendCase } = require('./late-secret-client.cjs')
const cases = require('./cases.json')
${TEST_BODY}`,
      },
    })
    const sources = new Set([
      'late-secret-client.cjs',
      'cases.json',
      'late.test.js',
      'jest.config.js',
      'package.json',
    ])
    try {
      const record = await project.run({ env: { LATE_API: api.url, LATE_VALUES: valuesOf('key') } })
      expect(record.exitCode, record.output).toBe(0)
      expect(leaked(writtenText(project.dir, sources), allKeys)).toEqual([])
      const served = api.served()
      const files = writtenText(project.dir, sources)
      const ci = await project.run({ env: { LATE_API: api.url, LATE_VALUES: valuesOf('dummy'), CI: '1' } })
      expect(ci.exitCode, ci.output).toBe(0)
      expect(ci.output).toContain(`${runnerCases.length} replayed`)
      const local = await project.run({ env: { LATE_API: api.url, LATE_VALUES: valuesOf('key') } })
      expect(local.exitCode, local.output).toBe(0)
      expect(local.output).toContain(`${runnerCases.length} replayed`)
      expect(api.served()).toBe(served)
      expect(writtenText(project.dir, sources)).toBe(files)
    } finally {
      project.cleanup()
    }
  })
})

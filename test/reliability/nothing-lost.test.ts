/**
 * End to end on the real runners, one record → re-record in an outage → offline replay cycle:
 *  - a 304 that carries `content-length: 5000` is recorded (before: the record run passed with
 *    `0 written`, nothing said, and replay missed);
 *  - re-recording (UPDATE_RECORDINGS=1) while the API answers 500 fails the test and keeps the
 *    good recording, saying so (before: `1 updated`, the 500 written, replay failed);
 *  - an un-awaited request of an afterAll hook is recorded into the file-level recording
 *    (before: dropped in silence, replay missed).
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { summaryOf } from '../support/contract.js'
import { JestProject } from '../support/jest-fixture.js'
import { StableApi, VitestFixture } from '../support/vitest-fixture.js'

const HELPERS = `
const API = process.env.FAKE_API_URL
const chat = (content, extra = {}) =>
  fetch(API + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra }),
  })
`

const NOT_MODIFIED = `
test('304 with content-length', async () => {
  const response = await fetch(API + '/framing/bodiless-304', { headers: { 'if-none-match': '"abc"' } })
  expect(response.status).toBe(304)
  expect(response.headers.get('etag')).toBe('"abc"')
})
`

const OUTAGE = `
test('good answer', async () => {
  const response = await chat('good data')
  expect(response.status).toBe(200)
  expect((await response.json()).choices[0].message.content).toBe('Echo: good data')
})
`

const HOOKS = `
test('in a test', async () => {
  expect((await chat('in a test')).status).toBe(200)
})
afterAll(() => {
  // Not awaited, and answered after the hook returned.
  chat('from afterAll', { delay_ms: 300 }).catch(() => {})
})
`

const FILES = { notmodified: NOT_MODIFIED, outage: OUTAGE, hooks: HOOKS }
const OUTAGE_FILE = /__recordings__\/outage\.test\.js\/good-answer\.[0-9a-f]{10}\.json/

let api: StableApi
beforeAll(async () => {
  api = await StableApi.start()
})
afterAll(async () => {
  await api?.close()
})

interface Runner {
  run(env: Record<string, string>, only?: string): Promise<{ code: number | null; output: string }>
  read(path: string): string
  recordings(): string[]
}

async function recordRerecordReplay(runner: Runner): Promise<void> {
  api.outage(false)
  await api.online()
  const env = { FAKE_API_URL: api.url }

  const recorded = await runner.run(env)
  expect(recorded.code, recorded.output).toBe(0)
  expect(summaryOf(recorded.output), recorded.output).toMatchObject({ written: 4, mode: 'new' })
  const files = runner.recordings()
  const fileLevel = files.find((path) => path.endsWith('hooks.test.js/__file__.json'))
  expect(fileLevel, files.join('\n')).toBeDefined()
  expect(runner.read(fileLevel as string)).toContain('from afterAll')
  const outageFile = files.find((path) => OUTAGE_FILE.test(path)) as string
  expect(runner.read(files.find((path) => path.includes('304-with-content-length')) as string)).toContain(
    '"content-length": "5000"',
  )

  const good = runner.read(outageFile)
  api.outage(true)
  const rerecorded = await runner.run({ ...env, UPDATE_RECORDINGS: '1' }, 'outage')
  const context = `re-record:\n${rerecorded.output}`
  expect(rerecorded.code, context).toBe(1)
  expect(summaryOf(rerecorded.output), context).toMatchObject({ written: 0, updated: 0, mode: 'update' })
  expect(rerecorded.output, context).toMatch(OUTAGE_FILE)
  expect(rerecorded.output, context).toContain(
    `: the test failed while re-recording (500 from POST ${api.url}/v1/chat/completions); fix the API or set keepFailedRecordings`,
  )
  expect(runner.read(outageFile)).toBe(good)

  await api.offline()
  const replayed = await runner.run({ ...env, CI: 'true' })
  expect(replayed.code, `replay:\n${replayed.output}`).toBe(0)
  expect(summaryOf(replayed.output), replayed.output).toMatchObject({
    replayed: 4,
    written: 0,
    mode: 'replay',
  })
}

const testFiles = (prefix: string) =>
  Object.fromEntries(
    Object.entries(FILES).map(([name, body]) => [`${name}.test.js`, `${prefix}${HELPERS}${body}`]),
  )

describe('nothing is lost while recording, on the real runners', () => {
  test('Vitest', async () => {
    const fixture = VitestFixture.create({
      'vitest.config.ts': `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()] })
`,
      ...testFiles("import { afterAll, expect, test } from 'vitest'\n"),
    })
    try {
      await recordRerecordReplay({
        run: (env, only) => fixture.run(only ? [only] : [], { env }),
        read: (path) => fixture.read(path),
        recordings: () => fixture.recordings(),
      })
    } finally {
      fixture.dispose()
    }
  })

  test('Jest', async () => {
    const project = new JestProject({ files: testFiles('') })
    try {
      await recordRerecordReplay({
        run: (env, only) =>
          project
            .run({ env, ...(only ? { args: [only] } : {}) })
            .then((run) => ({ code: run.exitCode, output: run.output })),
        read: (path) => project.read(path),
        recordings: () => recordingsUnder(project.dir),
      })
    } finally {
      project.cleanup()
    }
  })
})

function recordingsUnder(root: string): string[] {
  return (readdirSync(join(root, '__recordings__'), { recursive: true }) as string[])
    .filter((path) => path.endsWith('.json'))
    .map((path) => join('__recordings__', path))
    .sort()
}

/**
 * The plugin's options and the ways to pick a mode, end to end: a TypeScript configFile whose
 * function reaches the workers, options refused in the config process, `FETCH_RECORDINGS`,
 * the `mode` option, `vitest run -- --update-recordings`, `-u` (not an update), `live`, and
 * `failOnStale`. One fixture; each step rewrites its config.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunResult, StableApi, VitestFixture } from '../support/vitest-fixture.js'

const config = (options = '') => `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings(${options})] })
`

// TypeScript, with a type import from the package: the module runner loads it like a test import.
const RECORDINGS_CONFIG = `
import type { RecordingsOptions } from 'fetch-recordings'
const options: RecordingsOptions = {
  normalizeRequest: (request) => ({ ...request, body: { ...(request.body as object), sent_at: 'normalized' } }),
}
export default options
`

const CLOCK_TEST = `
import { expect, test } from 'vitest'
test('sends the time', async () => {
  const response = await fetch(process.env.FAKE_API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'time' }], sent_at: Date.now() }),
  })
  expect(response.status).toBe(200)
})
`

const extraTest = (name: string) => `
import { expect, test } from 'vitest'
test(${JSON.stringify(name)}, async () => {
  const response = await fetch(process.env.FAKE_API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: ${JSON.stringify(name)} }] }),
  })
  expect(response.status).toBe(200)
})
`

let api: StableApi
let fixture: VitestFixture

beforeAll(async () => {
  api = await StableApi.start()
  fixture = VitestFixture.create({
    'vitest.config.ts': config("{ configFile: './recordings.config.ts' }"),
    'recordings.config.ts': RECORDINGS_CONFIG,
    'clock.test.ts': CLOCK_TEST,
  })
})

afterAll(async () => {
  await api?.close()
  fixture?.dispose()
})

const run = (args: string[] = [], env: Record<string, string> = {}) =>
  fixture.run(args, { env: { FAKE_API_URL: api.url, ...env } })

function summaryOf(result: RunResult): string {
  const line = result.stdout.split('\n').find((text) => text.startsWith(' Recordings '))
  if (!line) throw new Error(`no summary in:\n${result.output}`)
  return line.replace(/\s+/g, ' ').trim()
}

const CLOCK_FOLDER = '__recordings__/clock.test.ts'

describe('configFile', () => {
  test('its normalizeRequest reaches the workers: a changing timestamp still replays', async () => {
    const recorded = await run()
    expect(recorded.code, recorded.output).toBe(0)
    const [name] = fixture.recordings(CLOCK_FOLDER)
    const body = fixture.recording(`${CLOCK_FOLDER}/${name}`).interactions[0]?.request.body
    expect(body).toMatchObject({ sent_at: 'normalized' })
    await api.offline()
    const replayed = await run([], { CI: 'true' })
    expect(replayed.code, replayed.output).toBe(0)
    expect(summaryOf(replayed)).toContain('1 replayed')
  })

  test('without it, the timestamp makes a miss', async () => {
    fixture.write('vitest.config.ts', config())
    const result = await run([], { CI: 'true' })
    expect(result.code).toBe(1)
    expect(result.output).toMatch(/body\.sent_at: "normalized" → \d+/)
  })
})

describe('options refused in the config process', () => {
  test('a function inline', async () => {
    fixture.write('vitest.config.ts', config('{ normalizeRequest: (request: any) => request } as any'))
    const result = await run()
    expect(result.code).toBe(1)
    expect(result.output).toContain(
      "normalizeRequest is a function, and functions cannot reach Vitest's workers. Move it to a module named by the configFile option",
    )
  })

  test('an unknown option and an unknown FETCH_RECORDINGS', async () => {
    fixture.write('vitest.config.ts', config('{ updateRecording: true } as any'))
    const unknown = await run()
    expect(unknown.code).toBe(1)
    expect(unknown.output).toContain('"updateRecording" is not an option')
    fixture.write('vitest.config.ts', config())
    const badMode = await run([], { FETCH_RECORDINGS: 'record' })
    expect(badMode.code).toBe(1)
    expect(badMode.output).toContain(
      'FETCH_RECORDINGS="record" is not a mode. Use one of: replay, new, update, live, prune.',
    )
  })
})

describe('modes', () => {
  test('the mode option replays; `-- --update-recordings` wins over it', async () => {
    fixture.remove('clock.test.ts')
    fixture.write('vitest.config.ts', config("{ mode: 'replay' }"))
    fixture.write('extra.test.ts', extraTest('extra'))
    await api.online()
    const replay = await run()
    expect(replay.code).toBe(1)
    expect(replay.output).toContain('mode:    replay')
    expect(api.requests).toHaveLength(0)
    const update = await run(['--', '--update-recordings'])
    expect(update.code, update.output).toBe(0)
    // Removed: the folder of clock.test.ts, deleted above (update mode removes what is stale).
    expect(summaryOf(update)).toBe(
      'Recordings 0 replayed | 1 written | 0 updated | 0 stale | 1 removed (mode: update)',
    )
    expect(fixture.exists(CLOCK_FOLDER)).toBe(false)
  })

  test('-u updates snapshots, not recordings', async () => {
    fixture.write('vitest.config.ts', config())
    const result = await run(['-u'])
    expect(result.code, result.output).toBe(0)
    expect(summaryOf(result)).toContain('1 replayed | 0 written')
    expect(summaryOf(result)).toContain('(mode: new)')
  })

  test('FETCH_RECORDINGS=live reads and writes nothing', async () => {
    fixture.write('live.test.ts', extraTest('live'))
    const before = api.requests.length
    const result = await run([], { FETCH_RECORDINGS: 'live' })
    expect(result.code, result.output).toBe(0)
    expect(api.requests.length - before).toBe(2)
    expect(fixture.recordings('__recordings__/live.test.ts')).toEqual([])
    // Nothing replayed, written or stale: the summary still says the mode.
    expect(result.stdout).toMatch(
      /Recordings +0 replayed \| 0 written \| 0 updated \| 0 stale \| 0 removed \(mode: live\)/,
    )
  })
})

describe('failOnStale', () => {
  test('a stale recording fails the run', async () => {
    fixture.remove('live.test.ts')
    fixture.write('extra.test.ts', extraTest('renamed'))
    fixture.write('vitest.config.ts', config('{ failOnStale: true }'))
    const result = await run()
    expect(result.code).toBe(1)
    expect(result.output).toContain('Tests  1 passed')
    expect(result.stdout).toContain('failOnStale: 1 stale recording(s) fail the run.')
    fixture.write('vitest.config.ts', config())
    const lenient = await run()
    expect(lenient.code, lenient.output).toBe(0)
    expect(summaryOf(lenient)).toContain('| 1 stale |')
  })
})

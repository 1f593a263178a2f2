/**
 * Server mode end to end under Vitest: a user's project whose globalSetup starts an Express app
 * (preload on its command line) and a Hono app (preload in NODE_OPTIONS); its tests drive them
 * with fetch, and the apps call a loopback fake OpenAI (JSON, and a stream they relay to their
 * own client). One record/replay cycle is shared by the assertions: record, take the API
 * offline, replay with CI=true, change the app's prompt, stop making a request.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_CLIENT, appTests, EXPRESS_APP, freePort, HONO_APP, START_APPS } from '../support/app-servers.js'
import { type RunResult, StableApi, VitestFixture } from '../support/vitest-fixture.js'

const CONFIG = `import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({
  plugins: [fetchRecordings({
    // A string prefix for one app, a pattern for the other: both forms are accepted.
    appServers: ['http://127.0.0.1:' + process.env.EXPRESS_PORT, new RegExp('^http://127\\\\.0\\\\.0\\\\.1:' + process.env.HONO_PORT + '/')],
  })],
  test: { globalSetup: ['./global-setup.mjs'], include: ['test/**/*.test.ts'] },
})
`

const GLOBAL_SETUP = `import { startApps } from './start-apps.cjs'
export default async function () {
  const apps = await startApps('--import')
  return () => apps.forEach((app) => app.kill())
}
`

const VITEST_IMPORTS = `import { describe, expect, test } from 'vitest'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)`

let api: StableApi
let fixture: VitestFixture
let env: Record<string, string>

beforeAll(async () => {
  api = await StableApi.start()
  env = { OPENAI_URL: api.url, EXPRESS_PORT: String(await freePort()), HONO_PORT: String(await freePort()) }
  fixture = VitestFixture.create(
    {
      'vitest.config.ts': CONFIG,
      'global-setup.mjs': GLOBAL_SETUP,
      'start-apps.cjs': START_APPS,
      'express-app.cjs': EXPRESS_APP,
      'hono-app.cjs': HONO_APP,
      'app-client.cjs': APP_CLIENT,
      'test/chat.test.ts': appTests(VITEST_IMPORTS),
    },
    ['express', 'hono', '@hono/node-server'],
  )
})

afterAll(async () => {
  await api?.close()
  fixture?.dispose()
})

function run(extra: Record<string, string> = {}): Promise<RunResult> {
  return fixture.run([], { env: { ...env, ...extra }, timeoutMs: 120_000 })
}

function results(): Record<string, string> {
  const dir = fixture.path('results')
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]))
}

const folder = 'test/__recordings__/chat.test.ts'

describe('server mode under Vitest (Express and Hono apps)', () => {
  it('records the apps’ OpenAI calls per test, replays them offline in CI, fails on a changed prompt, reports stale', async () => {
    await api.online()
    const recorded = await run()
    expect(recorded.code, recorded.output).toBe(0)
    expect(recorded.output).toMatch(/Recordings\s+0 replayed \| 7 written/)
    expect(api.requests.map((r) => r.path)).toEqual(Array(10).fill('/v1/chat/completions'))
    const files = fixture.recordings(folder)
    expect(files).toHaveLength(7)
    for (const n of [1, 2, 3]) {
      // test.concurrent: each test holds exactly its own two app-made requests.
      const file = files.find((name) => name.startsWith(`at-once--request-${n}`)) as string
      const prompts = fixture
        .recording(join(folder, file))
        .interactions.map((i: any) => i.request.body.messages[1].content)
        .sort()
      expect(prompts).toEqual([`concurrent ${n}`, `concurrent stream ${n}`])
    }
    const expressStream = fixture.read(
      join(folder, files.find((f) => f.startsWith('express--streams')) as string),
    )
    expect(JSON.parse(expressStream).interactions[0].request.url).toBe(`${api.url}/v1/chat/completions`)
    expect(expressStream).not.toContain('sk-fixture-app-secret')
    const firstResults = results()
    const snapshot = Object.fromEntries(files.map((name) => [name, fixture.read(join(folder, name))]))

    await api.offline()
    fixture.remove('results')
    const replayed = await run({ CI: 'true' })
    expect(replayed.code, replayed.output).toBe(0)
    expect(replayed.output).toMatch(/Recordings\s+7 replayed \| 0 written \| 0 updated \| 0 stale/)
    expect(results()).toEqual(firstResults)
    for (const name of files) expect(fixture.read(join(folder, name))).toBe(snapshot[name])

    const changed = await run({ CI: 'true', SYSTEM_PROMPT: 'You answer at length.' })
    expect(changed.code).toBe(1)
    expect(changed.output).toContain('No recorded response matches this request.')
    expect(changed.output).toContain(
      'body.messages[0].content: "You answer in one line." → "You answer at length."',
    )
    expect(changed.output).toContain('test:    test/chat.test.ts > express > answers')

    fixture.write('test/chat.test.ts', appTests(VITEST_IMPORTS, { skipExpressChat: true }))
    const stale = await run({ CI: 'true' })
    expect(stale.code, stale.output).toBe(0)
    expect(stale.output).toContain('stale 1 unused entry of "express > answers"')
  }, 600_000)
})

/**
 * Server mode end to end under Jest: the same Express and Hono apps, started by Jest's
 * globalSetup with the CommonJS form of the preload (`--require`, on the command line and in
 * NODE_OPTIONS), driven by Jest tests through fetch. Record, take the API
 * offline, replay with CI=true, change the app's prompt.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_CLIENT, appTests, EXPRESS_APP, freePort, HONO_APP, START_APPS } from '../support/app-servers.js'
import { JestProject } from '../support/jest-fixture.js'
import { StableApi } from '../support/vitest-fixture.js'

let api: StableApi
let project: JestProject
let env: Record<string, string>

beforeAll(async () => {
  api = await StableApi.start()
  env = { OPENAI_URL: api.url, EXPRESS_PORT: String(await freePort()), HONO_PORT: String(await freePort()) }
  project = new JestProject({
    files: {
      'start-apps.cjs': START_APPS,
      'express-app.cjs': EXPRESS_APP,
      'hono-app.cjs': HONO_APP,
      'app-client.cjs': APP_CLIENT,
      'global-setup.js': `const { startApps } = require('./start-apps.cjs')
module.exports = async () => { globalThis.__apps = await startApps('--require') }
`,
      'global-teardown.js': 'module.exports = async () => globalThis.__apps.forEach((app) => app.kill())\n',
      'test/a.test.js': appTests(''),
    },
  })
  project.write(
    'jest.config.js',
    `module.exports = {
  testEnvironment: 'fetch-recordings/jest-env',
  reporters: ['default', 'fetch-recordings/jest-reporter'],
  testEnvironmentOptions: {
    appServers: ['http://127.0.0.1:${env.EXPRESS_PORT}', 'http://127.0.0.1:${env.HONO_PORT}'],
  },
  globalSetup: './global-setup.js',
  globalTeardown: './global-teardown.js',
  transform: {},
  watchman: false,
}
`,
  )
})

afterAll(async () => {
  await api?.close()
  project?.cleanup()
})

function results(): Record<string, string> {
  const dir = join(project.dir, 'results')
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]))
}

describe('server mode under Jest (Express and Hono apps, --require preload)', () => {
  it('records per test, replays offline in CI with identical answers, fails on a changed prompt', async () => {
    await api.online()
    const recorded = await project.run({ env })
    expect(recorded.exitCode, recorded.output).toBe(0)
    expect(recorded.output).toMatch(/Recordings\s+0 replayed \| 7 written/)
    expect(api.requests).toHaveLength(10)
    const folder = join(project.dir, 'test/__recordings__/a.test.js')
    const files = readdirSync(folder).sort()
    expect(files).toHaveLength(7)
    const concurrent = JSON.parse(
      readFileSync(join(folder, files.find((f) => f.startsWith('at-once--request-2')) as string), 'utf8'),
    )
    expect(concurrent.interactions.map((i: any) => i.request.body.messages[1].content).sort()).toEqual([
      'concurrent 2',
      'concurrent stream 2',
    ])
    const first = results()

    await api.offline()
    project.remove('results')
    const replayed = await project.run({ env: { ...env, CI: 'true' } })
    expect(replayed.exitCode, replayed.output).toBe(0)
    expect(replayed.output).toMatch(/Recordings\s+7 replayed \| 0 written \| 0 updated \| 0 stale/)
    expect(results()).toEqual(first)

    const changed = await project.run({ env: { ...env, CI: 'true', SYSTEM_PROMPT: 'You answer at length.' } })
    expect(changed.exitCode).toBe(1)
    expect(changed.output).toContain(
      'body.messages[0].content: "You answer in one line." → "You answer at length."',
    )
  }, 600_000)
})

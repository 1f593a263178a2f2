/**
 * Playwright Test on server mode, end to end: a user's project with an Express app (started by
 * `webServer` with the preload) whose page streams a chat answer from a loopback fake OpenAI
 * through its server, Chromium from Debian, 2 workers, fullyParallel. One cycle: record, take
 * the API offline, replay with CI=true (same rendered text), a changed prompt fails with the
 * diff, a removed test's recording is stale on a full run and not under --grep.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPRESS_APP, freePort } from '../support/app-servers.js'
import { StableApi, VitestFixture } from '../support/vitest-fixture.js'

const CHROMIUM = '/usr/bin/chromium'

const CONFIG = `import { defineConfig } from '@playwright/test'
const baseURL = 'http://127.0.0.1:' + process.env.APP_PORT
export default defineConfig({
  testDir: 'e2e',
  fullyParallel: true,
  workers: 2,
  reporter: [['list'], ['fetch-recordings/playwright-reporter']],
  webServer: {
    command: 'node --import fetch-recordings/server express-app.cjs',
    url: baseURL + '/health',
    env: { PORT: process.env.APP_PORT, OPENAI_URL: process.env.OPENAI_URL, SYSTEM_PROMPT: process.env.SYSTEM_PROMPT ?? '' },
  },
  use: {
    baseURL,
    fetchRecordings: { appServers: [baseURL] },
    launchOptions: {
      executablePath: '${CHROMIUM}',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
})
`

const CHAT_SPEC = `import { expect, test } from 'fetch-recordings/playwright'
test.describe('chat page', () => {
  for (const n of [1, 2]) {
    test('streams answer ' + n, async ({ page }) => {
      await page.goto('/?prompt=' + encodeURIComponent('Page question ' + n))
      await expect(page.locator('#done')).toBeVisible()
      await expect(page.locator('#answer')).toHaveText('Echo: Page question ' + n)
    })
  }
})
`

const API_SPEC = `import { expect, test } from 'fetch-recordings/playwright'
test('answers through the request fixture', async ({ request }) => {
  const response = await request.post('/chat', { data: { prompt: 'API question' } })
  expect(response.status()).toBe(200)
  expect((await response.json()).answer).toBe('Echo: API question')
})
test('answers a second question', async ({ request }) => {
  const response = await request.post('/chat', { data: { prompt: 'Second API question' } })
  expect((await response.json()).answer).toBe('Echo: Second API question')
})
`

let api: StableApi
let fixture: VitestFixture
let env: Record<string, string>

beforeAll(async () => {
  api = await StableApi.start()
  env = { OPENAI_URL: api.url, APP_PORT: String(await freePort()) }
  fixture = VitestFixture.create(
    {
      'playwright.config.mjs': CONFIG,
      'express-app.cjs': EXPRESS_APP,
      'e2e/chat.spec.ts': CHAT_SPEC,
      'e2e/api.spec.ts': API_SPEC,
    },
    ['express', '@playwright/test', 'playwright', 'playwright-core'],
  )
})

afterAll(async () => {
  await api?.close()
  fixture?.dispose()
})

function playwright(
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const cli = join(fixture.dir, 'node_modules/@playwright/test/cli.js')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'test', ...args], {
      cwd: fixture.dir,
      env: { ...cleanEnv(), ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

function cleanEnv(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (
      !/^(VITEST|TEST$|NODE_ENV$|CI$|FETCH_RECORDINGS|UPDATE_RECORDINGS|FORCE_COLOR|PW_|PLAYWRIGHT_)/.test(
        key,
      )
    )
      out[key] = value
  }
  return { ...out, NO_COLOR: '1' }
}

/** Bodies (base64 in Playwright's JSON report) of the attachments called `name`, anywhere. */
function attachmentsNamed(report: unknown, name: string): string[] {
  const found: string[] = []
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit)
    else if (value && typeof value === 'object') {
      const item = value as { name?: unknown; body?: unknown }
      if (item.name === name && typeof item.body === 'string')
        found.push(Buffer.from(item.body, 'base64').toString('utf8'))
      else Object.values(value).forEach(visit)
    }
  }
  visit(report)
  return found
}

const CHAT = 'e2e/__recordings__/chat.spec.ts'
const API = 'e2e/__recordings__/api.spec.ts'

describe('Playwright Test on server mode', () => {
  it('records the app’s calls per test, replays offline in CI, fails on a changed prompt, reports stale', async () => {
    await api.online()
    const recorded = await playwright([])
    expect(recorded.code, recorded.output).toBe(0)
    expect(recorded.output).toMatch(/Recordings\s+0 replayed \| 4 written/)
    expect(fixture.recordings(CHAT)).toEqual([
      expect.stringMatching(/^chat-page--streams-answer-1\..*\.json$/),
      expect.stringMatching(/^chat-page--streams-answer-2\..*\.json$/),
    ])
    const [first] = fixture.recordings(CHAT)
    const page = fixture.recording(join(CHAT, first as string)) as any
    expect(page.test_id).toBe('e2e/chat.spec.ts > chat page > streams answer 1')
    expect(page.interactions).toHaveLength(1)
    expect(page.interactions[0].request.body.messages[1].content).toBe('Page question 1')
    expect(page.interactions[0].response.is_streaming).toBe(true)
    expect(fixture.recordings(API)).toHaveLength(2)
    const requestsWhileRecording = api.requests.length
    expect(requestsWhileRecording).toBe(4)

    await api.offline()
    const replayed = await playwright([], { CI: 'true' })
    expect(replayed.code, replayed.output).toBe(0)
    expect(replayed.output).toMatch(/Recordings\s+4 replayed \| 0 written \| 0 updated \| 0 stale/)

    const changed = await playwright(['--reporter=list,json'], {
      CI: 'true',
      SYSTEM_PROMPT: 'You answer at length.',
      PLAYWRIGHT_JSON_OUTPUT_NAME: 'results.json',
    })
    expect(changed.code).toBe(1)
    const diff = 'body.messages[0].content: "You answer in one line." → "You answer at length."'
    expect(changed.output).toContain('No recorded response matches this request.')
    expect(changed.output).toContain(diff)
    // The error is attached to each failed result (the HTML report shows attachments).
    const attached = attachmentsNamed(JSON.parse(fixture.read('results.json')), 'fetch-recordings error')
    expect(attached).toHaveLength(4)
    expect(attached[0]).toContain(diff)

    fixture.write('e2e/api.spec.ts', API_SPEC.slice(0, API_SPEC.indexOf("test('answers a second")))
    const filtered = await playwright(['--grep', 'request fixture'], { CI: 'true' })
    expect(filtered.code, filtered.output).toBe(0)
    expect(filtered.output).toMatch(/Recordings\s+1 replayed \| 0 written \| 0 updated \| 0 stale/)
    const full = await playwright([], { CI: 'true' })
    expect(full.code, full.output).toBe(0)
    expect(full.output).toMatch(
      /stale file e2e\/__recordings__\/api\.spec\.ts\/answers-a-second-question\..*\.json/,
    )
  }, 900_000)
})

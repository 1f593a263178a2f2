/**
 * End to end on the real runners: requests that outlive their test are never dropped silently.
 * `fire.test`: a fire-and-forget request whose answer comes after its test ended (the API holds
 * it 500 ms) is waited for, recorded and replayed offline. `late.test`: a timer started by test
 * B makes its request during test C; C fails saying so, naming the request and B, in the record
 * run and in the replay alike (before, both runs were green and the request was lost).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { defaultRecordingPath } from '../../src/files/paths.js'
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

const FIRE = `
test('fire and forget', () => {
  // Not awaited: the API answers after the test has ended.
  chat('fire and forget', { delay_ms: 500 }).then((response) => response.json(), () => undefined)
})
`

const LATE = `
let release
let late
test('B', async () => {
  const trigger = new Promise((resolve) => { release = resolve })
  // B never waits for this timer's work: it runs on in B's async context.
  setTimeout(() => { late = trigger.then(() => chat('late from B')) }, 0)
  expect((await (await chat('in B')).json()).choices[0].message.content).toBe('Echo: in B')
  while (!late) await new Promise((resolve) => setImmediate(resolve))
})

test('C', async () => {
  release()
  await late
})
`

let api: StableApi
beforeAll(async () => {
  api = await StableApi.start()
})
afterAll(async () => {
  await api?.close()
})

interface Runner {
  run(env: Record<string, string>): Promise<{ code: number | null; output: string }>
  fireRecorded(): boolean
}

async function recordThenReplayOffline(runner: Runner, files: { fire: string; late: string }): Promise<void> {
  await api.online()
  const env = { FAKE_API_URL: api.url }
  for (const [step, extra] of [
    ['record', {}],
    ['replay', { CI: 'true' }],
  ] as const) {
    if (step === 'replay') await api.offline()
    const result = await runner.run({ ...env, ...extra })
    const context = `${step}:\n${result.output}`
    expect(result.code, context).toBe(1)
    expect(summaryOf(result.output), context).toMatchObject(
      step === 'record' ? { written: 2, mode: 'new' } : { replayed: 2, written: 0, mode: 'replay' },
    )
    expect(runner.fireRecorded(), context).toBe(true)
    // Only C fails, saying where the request came from.
    expect(result.output, context).toContain('A request was made for a test that had already finished')
    expect(result.output, context).toContain(`from test: ${files.late} > B`)
    expect(result.output, context).toContain(`arrived during: ${files.late} > C`)
    expect(result.output, context).not.toMatch(/fire and forget.*(failed|✕|×)/)
  }
}

describe('requests that outlive their test, on the real runners', () => {
  test('Vitest', async () => {
    const fixture = VitestFixture.create({
      'vitest.config.ts': `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()] })
`,
      'fire.test.js': `import { expect, test } from 'vitest'\n${HELPERS}${FIRE}`,
      'late.test.js': `import { expect, test } from 'vitest'\n${HELPERS}${LATE}`,
    })
    try {
      await recordThenReplayOffline(
        {
          run: (env) => fixture.run([], { env }),
          fireRecorded: () =>
            fixture.exists(
              defaultRecordingPath({
                testFile: fixture.path('fire.test.js'),
                testName: 'fire and forget',
              }).slice(fixture.dir.length + 1),
            ),
        },
        { fire: 'fire.test.js', late: 'late.test.js' },
      )
    } finally {
      fixture.dispose()
    }
  })

  test('Jest', async () => {
    const project = new JestProject({
      files: { 'fire.test.js': `${HELPERS}${FIRE}`, 'late.test.js': `${HELPERS}${LATE}` },
    })
    try {
      await recordThenReplayOffline(
        {
          run: (env) => project.run({ env }).then((run) => ({ code: run.exitCode, output: run.output })),
          fireRecorded: () =>
            project.exists(
              defaultRecordingPath({
                testFile: `${project.dir}/fire.test.js`,
                testName: 'fire and forget',
              }).slice(project.dir.length + 1),
            ),
        },
        { fire: 'fire.test.js', late: 'late.test.js' },
      )
    } finally {
      project.cleanup()
    }
  })
})

/**
 * What only Jest has: its CLI flags (`--ci`, `--testEnvironmentOptions`), options in
 * jest.config.js (testEnvironmentOptions, configFile with functions, reporter failOnStale),
 * undici loaded inside the test's vm context, and files that fail to load.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { defaultRecordingPath } from '../../src/files/paths.js'
import { summaryOf } from '../support/contract.js'
import { chatTest, describeFixture, fixture } from '../support/contract-scenarios.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { JestProject, type JestProjectOptions } from '../support/jest-fixture.js'

let api: FakeApi
const projects: JestProject[] = []

beforeAll(async () => {
  api = await startFakeApi()
})
afterEach(() => {
  for (const project of projects.splice(0)) project.cleanup()
})
afterAll(async () => {
  await api?.close()
})

function projectWith(options: JestProjectOptions): JestProject {
  const project = new JestProject(options)
  projects.push(project)
  return project
}

const CHAT = { 'chat.test.js': describeFixture('chat', [chatTest('asks', 'hi')]) }

async function recorded(options: JestProjectOptions = { files: CHAT }): Promise<JestProject> {
  const project = projectWith(options)
  const first = await project.run({ env: { API_URL: api.url } })
  expect(first.exitCode, first.output).toBe(0)
  expect(summaryOf(first.output)).toMatchObject({ written: 1, mode: 'new' })
  return project
}

describe('modes from the Jest command line', () => {
  test('--ci replays (the snapshot `none` state), and a miss fails', async () => {
    const project = await recorded()
    project.write(
      'chat.test.js',
      describeFixture('chat', [chatTest('asks', 'hi'), chatTest('new one', 'new')]),
    )
    const before = api.requests.length
    const run = await project.run({ args: ['--ci'], env: { API_URL: api.url } })
    expect(run.exitCode, run.output).toBe(1)
    expect(summaryOf(run.output)).toMatchObject({ replayed: 1, written: 0, mode: 'replay' })
    expect(run.output).toContain('The recording holds no requests for this test')
    expect(api.requests.length).toBe(before)
  })

  test(`--testEnvironmentOptions='{"updateRecordings":true}' re-records`, async () => {
    const project = await recorded()
    project.write('chat.test.js', describeFixture('chat', [chatTest('asks', 'hello')]))
    const run = await project.run({
      args: ['--testEnvironmentOptions={"updateRecordings":true}'],
      env: { API_URL: api.url },
    })
    expect(run.exitCode, run.output).toBe(0)
    expect(summaryOf(run.output)).toMatchObject({ updated: 1, mode: 'update' })
  })

  test('FETCH_RECORDINGS=live goes to the network and writes nothing', async () => {
    const project = projectWith({ files: CHAT })
    const before = api.requests.length
    const run = await project.run({ env: { API_URL: api.url, FETCH_RECORDINGS: 'live' } })
    expect(run.exitCode, run.output).toBe(0)
    expect(summaryOf(run.output)).toEqual({
      replayed: 0,
      written: 0,
      updated: 0,
      stale: 0,
      removed: 0,
      mode: 'live',
    })
    expect(api.requests.length).toBe(before + 1)
    expect(project.exists('__recordings__')).toBe(false)
  })

  test('an unknown FETCH_RECORDINGS value fails the file with the list of modes', async () => {
    const project = projectWith({ files: CHAT })
    const run = await project.run({ env: { API_URL: api.url, FETCH_RECORDINGS: 'replya' } })
    expect(run.exitCode).toBe(1)
    expect(run.output).toContain(
      'FETCH_RECORDINGS="replya" is not a mode. Use one of: replay, new, update, live, prune.',
    )
  })
})

describe('options in jest.config.js', () => {
  test('testEnvironmentOptions.mode applies, and our keys never become test globals', async () => {
    const project = projectWith({
      files: {
        ...CHAT,
        'globals.test.js': `test('globals', () => {
  expect(globalThis.mode).toBeUndefined()
  expect(globalThis.matchHeaders).toBeUndefined()
  expect(globalThis.keptForTheBase).toBe('yes')
})
`,
      },
      environmentOptions: { mode: 'replay', matchHeaders: ['x-tenant'], keptForTheBase: 'yes' },
    })
    // FETCH_RECORDINGS beats the option: this run records.
    const first = await project.run({ env: { API_URL: api.url, FETCH_RECORDINGS: 'new' } })
    expect(first.exitCode, first.output).toBe(0)
    expect(summaryOf(first.output)).toMatchObject({ written: 1, mode: 'new' })
    const run = await project.run({ env: { API_URL: api.url } })
    expect(run.exitCode, run.output).toBe(0)
    expect(summaryOf(run.output)).toMatchObject({ replayed: 1, mode: 'replay' })
  })

  test('configFile brings functions (normalizeRequest) to every worker', async () => {
    const stamped = (name: string) =>
      fixture(`test(${JSON.stringify(name)}, async () => {
  const response = await fetch(API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: ${JSON.stringify(name)} }],
      metadata: { sent_at: Date.now() },
    }),
  })
  expect((await response.json()).choices[0].message.content).toBe(${JSON.stringify(`Echo: ${name}`)})
})`)
    const project = projectWith({
      files: {
        'a.test.js': stamped('a'),
        'b.test.js': stamped('b'),
        // ESM on purpose: the CJS build must load it with a native import().
        'recordings.config.mjs': `export default {
  normalizeRequest(request) {
    if (request.body && request.body.metadata) delete request.body.metadata.sent_at
    return request
  },
}
`,
      },
      environmentOptions: { configFile: './recordings.config.mjs' },
    })
    const first = await project.run({ workers: true, env: { API_URL: api.url } })
    expect(first.exitCode, first.output).toBe(0)
    expect(summaryOf(first.output)).toMatchObject({ written: 2 })
    expect(project.read(recordingOf(project, 'a.test.js', 'a'))).not.toContain('sent_at')
    const replay = await project.run({ workers: true, env: { API_URL: api.url, CI: 'true' } })
    expect(replay.exitCode, replay.output).toBe(0)
    expect(summaryOf(replay.output)).toMatchObject({ replayed: 2, mode: 'replay' })
  })

  test('a configFile that does not load fails with its path and the fix', async () => {
    const project = projectWith({ files: CHAT, environmentOptions: { configFile: './missing.js' } })
    const run = await project.run({ env: { API_URL: api.url } })
    expect(run.exitCode).toBe(1)
    expect(run.output).toContain('testEnvironmentOptions.configFile: could not load')
    expect(run.output).toContain('missing.js')
  })

  test('reporter option failOnStale fails a run whose tests all passed', async () => {
    const project = projectWith({
      files: { 'chat.test.js': describeFixture('chat', [chatTest('asks', 'hi'), chatTest('goes', 'go')]) },
      reporterOptions: { failOnStale: true },
    })
    expect((await project.run({ env: { API_URL: api.url } })).exitCode).toBe(0)
    project.write('chat.test.js', describeFixture('chat', [chatTest('asks', 'hi')]))
    const stale = await project.run({ env: { API_URL: api.url, CI: 'true' } })
    expect(stale.exitCode, stale.output).toBe(1)
    expect(stale.output).toContain('Tests:       1 passed, 1 total')
    expect(stale.output).toContain('1 stale recording(s) and failOnStale is set: the run fails.')
    expect((await project.run({ env: { API_URL: api.url, UPDATE_RECORDINGS: '1' } })).exitCode).toBe(0)
    expect((await project.run({ env: { API_URL: api.url, CI: 'true' } })).exitCode).toBe(0)
  })
})

describe('what else reaches the recordings', () => {
  test('undici required inside a test file (the vm realm) is recorded and replayed offline', async () => {
    const body = (content: string) =>
      `JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: ${JSON.stringify(content)} }] })`
    const project = projectWith({
      files: {
        'undici.test.js': `const { request } = require('undici')
test('undici.request', async () => {
  const response = await request(process.env.API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: ${body('via undici')},
  })
  expect((await response.body.json()).choices[0].message.content).toBe('Echo: via undici')
})
`,
      },
    })
    const offline = await startFakeApi()
    const first = await project.run({ env: { API_URL: offline.url } })
    expect(first.exitCode, first.output).toBe(0)
    expect(offline.requests.length).toBe(1)
    await offline.close()
    const replay = await project.run({ env: { API_URL: offline.url, CI: 'true' } })
    expect(replay.exitCode, replay.output).toBe(0)
    expect(summaryOf(replay.output)).toMatchObject({ replayed: 1 })
  })

  test('beforeEach belongs to its test while test.concurrent tests are in flight', async () => {
    // Jest runs no *Each hooks for concurrent tests; Jest 29 starts them all before the first
    // test, so they are still running while the sequential test's hooks run.
    const project = projectWith({
      files: {
        'hooks.test.js': fixture(`beforeEach(() => chat('prepare'))
afterEach(() => chat('clean up'))
${chatTest('sequential', 'sequential')}
for (const [name, wait] of [['one', 150], ['two', 100]]) {
  test.concurrent(name, async () => {
    await sleep(wait)
    expect(await chat(name)).toBe('Echo: ' + name)
  })
}`),
      },
    })
    const run = await project.run({ env: { API_URL: api.url } })
    expect(run.exitCode, run.output).toBe(0)
    const promptsOf = (name: string) =>
      JSON.parse(project.read(recordingOf(project, 'hooks.test.js', name))).interactions.map(
        (interaction: any) => interaction.request.body.messages[0].content,
      )
    expect(promptsOf('sequential')).toEqual(['prepare', 'sequential', 'clean up'])
    expect(promptsOf('one')).toEqual(['one'])
    expect(promptsOf('two')).toEqual(['two'])
    const replay = await project.run({ env: { API_URL: api.url, CI: 'true' } })
    expect(replay.exitCode, replay.output).toBe(0)
  })

  test('a test file that fails to load makes nothing of its folder stale', async () => {
    const project = await recorded()
    project.write('chat.test.js', `throw new Error('broken on purpose')\n${CHAT['chat.test.js']}`)
    const run = await project.run({ env: { API_URL: api.url, CI: 'true' } })
    expect(run.exitCode).toBe(1)
    expect(run.output).toContain('broken on purpose')
    expect(summaryOf(run.output)).toMatchObject({ stale: 0 })
  })
})

function recordingOf(project: JestProject, file: string, testName: string): string {
  return defaultRecordingPath({ testFile: `${project.dir}/${file}`, testName }).slice(project.dir.length + 1)
}

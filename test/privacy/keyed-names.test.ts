/**
 * A test named after a key records under the name with the key redacted (src/recording/
 * test-recordings.ts). The end of the run judges the recordings folder: a file no test owns is
 * stale, and update mode deletes it. Found from outside (the packed tarball, Vitest, update
 * mode): the judgment knew a test's path only from its raw name, so the file a keyed test had
 * just written was deleted at the end of the very run that wrote it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildRunReport } from '../../src/report/report.js'
import { session, TEST_FILE, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

let api: FakeApi
beforeAll(async () => {
  api = await startFakeApi()
})
afterAll(() => api.close())

it('update mode keeps the file of a test whose name holds a key (token format, or the environment)', async () => {
  const dir = tempDir()
  const names = [
    'a token sk-proj-AAAAfirstKey0123456789abcdefXYZ',
    'an environment key Zq8xK2mP9vL4nR7tW1yB5cD3aa',
    'an ordinary name',
  ]
  const env = { MY_SERVICE_API_KEY: 'Zq8xK2mP9vL4nR7tW1yB5cD3aa' }
  const outcomes = []
  for (const testName of names) {
    const { outcome, thrown } = await session(
      dir,
      'update',
      async () => (await fetch(`${api.url}/v1/models`)).text(),
      {
        testName,
        env,
      },
    )
    expect(thrown).toBeUndefined()
    expect(outcome.change).toBe('created')
    expect(outcome.path).not.toContain('sk-proj-AAAA')
    expect(outcome.path).not.toContain('Zq8xK2mP')
    outcomes.push(outcome)
  }
  const report = buildRunReport({
    mode: 'update',
    files: [
      {
        testFile: join(dir, TEST_FILE),
        tests: names.map((name) => ({ name, state: 'passed' as const })),
        filtered: false,
        collectFailed: false,
      },
    ],
    outcomes,
    fullRun: false,
    roots: [],
    customLayout: false,
  })
  for (const outcome of outcomes) expect(existsSync(outcome.path)).toBe(true)
  expect(report.files.flatMap((file) => file.removedFiles)).toEqual([])
})

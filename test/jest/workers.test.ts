/**
 * Several test files in Jest workers (`--maxWorkers=2`): outcomes travel from the workers to
 * the reporter through the run folder, and the end-of-run judgement (stale files, stale folders
 * of deleted test files, removal in update mode) works on what every worker reported.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { defaultRecordingPath } from '../../src/files/paths.js'
import { summaryOf } from '../support/contract.js'
import { chatTest, describeFixture, fixture } from '../support/contract-scenarios.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { JestProject, PID_PROBE } from '../support/jest-fixture.js'

let api: FakeApi
let project: JestProject

beforeAll(async () => {
  api = await startFakeApi()
  project = new JestProject({
    files: {
      'chat.test.js':
        describeFixture('chat', [chatTest('keeps', 'keep'), chatTest('goes', 'go')]) + PID_PROBE,
      'nested/deep.test.js': fixture(chatTest('deep', 'deep')) + PID_PROBE,
      'hooks.test.js':
        fixture(`beforeAll(() => chat('before all'))\n${chatTest('hooked', 'hooked')}`) + PID_PROBE,
    },
  })
})

afterAll(async () => {
  project?.cleanup()
  await api?.close()
})

const path = (file: string, testName: string) =>
  defaultRecordingPath({ testFile: `${project.dir}/${file}`, testName })

test('records, reports stale files and folders, and removes them, across workers', async () => {
  const env = { API_URL: api.url }
  const recorded = await project.run({ workers: true, env })
  expect(recorded.exitCode, recorded.output).toBe(0)
  expect(recorded.pids, 'test files ran in more than one process').toBeGreaterThan(1)
  expect(summaryOf(recorded.output)).toEqual({
    replayed: 0,
    written: 5,
    updated: 0,
    stale: 0,
    removed: 0,
    mode: 'new',
  })

  project.write('chat.test.js', describeFixture('chat', [chatTest('keeps', 'keep')]) + PID_PROBE)
  project.remove('hooks.test.js')
  const stale = await project.run({ workers: true, env: { ...env, CI: 'true' } })
  expect(stale.exitCode, stale.output).toBe(0)
  expect(summaryOf(stale.output)).toMatchObject({ replayed: 2, stale: 2, mode: 'replay' })
  expect(stale.output).toContain('stale file __recordings__/chat.test.js/chat--goes.')
  expect(stale.output).toContain('stale folder __recordings__/hooks.test.js (its test file is gone)')
  expect(stale.output).toContain(
    'Run `FETCH_RECORDINGS=prune npx jest` to remove them without re-recording (or `UPDATE_RECORDINGS=1 npx jest` to re-record everything).',
  )

  // A path filter is not a full run: a folder of a test file that did not run is not judged.
  const filtered = await project.run({ workers: true, args: ['chat', 'deep'], env: { ...env, CI: 'true' } })
  expect(summaryOf(filtered.output)).toMatchObject({ stale: 1 })
  expect(filtered.output).not.toContain('stale folder')

  const updated = await project.run({ workers: true, env: { ...env, UPDATE_RECORDINGS: '1' } })
  expect(updated.exitCode, updated.output).toBe(0)
  expect(summaryOf(updated.output)).toMatchObject({ stale: 0, removed: 2, mode: 'update' })
  expect(project.exists('__recordings__/hooks.test.js')).toBe(false)
  expect(project.exists(path('chat.test.js', 'chat > goes').slice(project.dir.length + 1))).toBe(false)
  expect(project.exists(path('nested/deep.test.js', 'deep').slice(project.dir.length + 1))).toBe(true)

  const clean = await project.run({ workers: true, env: { ...env, CI: 'true' } })
  expect(summaryOf(clean.output)).toEqual({
    replayed: 2,
    written: 0,
    updated: 0,
    stale: 0,
    removed: 0,
    mode: 'replay',
  })
})

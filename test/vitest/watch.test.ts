/**
 * Watch mode: every rerun gets a summary of its own (nothing carried over from the run before),
 * and a rerun of some files is never a full run, so folders of other files are not judged.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RunningVitest, StableApi, VitestFixture } from '../support/vitest-fixture.js'

const CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()] })
`

const chatTest = (name: string) => `
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

const ORPHAN = `__recordings__/gone.test.ts/anything.0123456789.json`

let api: StableApi
let fixture: VitestFixture
let watcher: RunningVitest | undefined

beforeAll(async () => {
  api = await StableApi.start()
  fixture = VitestFixture.create({
    'vitest.config.ts': CONFIG,
    'a.test.ts': chatTest('a'),
    'b.test.ts': chatTest('b'),
    [ORPHAN]: '{}\n',
  })
})

afterAll(async () => {
  await watcher?.stop()
  await api?.close()
  fixture?.dispose()
})

const summaries = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith(' Recordings '))
    .map((line) => line.replace(/\s+/g, ' ').trim())

test('each rerun is summarized on its own and judges only what it ran', async () => {
  watcher = fixture.start(['watch'], { env: { FAKE_API_URL: api.url } })
  const first = await watcher.waitFor(/^ Recordings /m)
  expect(summaries(first)).toEqual([
    'Recordings 0 replayed | 2 written | 0 updated | 1 stale | 0 removed (mode: new)',
  ])
  expect(first).toContain('stale folder __recordings__/gone.test.ts (its test file is gone)')

  // Renaming a's test reruns a.test.ts alone: its old recording is stale, the orphan is not judged.
  fixture.write('a.test.ts', chatTest('a renamed'))
  const second = await watcher.waitFor(/^ Recordings /m, 2)
  expect(summaries(second)[1]).toBe(
    'Recordings 0 replayed | 1 written | 0 updated | 1 stale | 0 removed (mode: new)',
  )
  const rerun = second.slice(first.length)
  expect(rerun).toContain('a.test.ts')
  expect(rerun).toMatch(/stale file __recordings__\/a\.test\.ts\/a\.\w+\.json/)
  expect(rerun).not.toContain('gone.test.ts')
})

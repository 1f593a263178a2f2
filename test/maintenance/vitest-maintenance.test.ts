/**
 * Maintaining recordings on the real Vitest: a run report (reportFile), the stale summary of
 * a 3-shard run merged with `--merge-reports` (the same as the unsharded run's), a partial
 * merge, and prune mode (filtered: deletes nothing and says why; full: deletes exactly what is
 * stale, offline, and the next CI run is clean). One fixture; the steps build on each other.
 */
import { readdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunResult, StableApi, VitestFixture } from '../support/vitest-fixture.js'

const CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({
  plugins: [fetchRecordings({ reportFile: 'reports/recordings-{shard}.json' })],
  test: { include: ['tests/**/*.test.ts'] },
})
`

const HELPERS = `
export async function chat(content: string): Promise<string> {
  const response = await fetch(process.env.FAKE_API_URL + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  })
  return (await response.json()).choices[0].message.content
}
`

function testFile(name: string, tests: Record<string, string[]>): string {
  const bodies = Object.entries(tests).map(
    ([title, prompts]) =>
      `test(${JSON.stringify(title)}, async () => {\n${prompts.map((p) => `  expect(await chat(${JSON.stringify(p)})).toBe(${JSON.stringify(`Echo: ${p}`)})`).join('\n')}\n})`,
  )
  return `import { expect, test } from 'vitest'\nimport { chat } from './helpers'\n// ${name}\n${bodies.join('\n')}\n`
}

let api: StableApi
let fixture: VitestFixture

beforeAll(async () => {
  api = await StableApi.start()
  fixture = VitestFixture.create({
    'vitest.config.ts': CONFIG,
    'tests/helpers.ts': HELPERS,
    'tests/alpha.test.ts': testFile('alpha', { keeps: ['a1'], goes: ['a2'] }),
    'tests/beta.test.ts': testFile('beta', { asks: ['b1', 'b2'] }),
    'tests/gamma.test.ts': testFile('gamma', { answers: ['g1'] }),
    'tests/delta.test.ts': testFile('delta', { old: ['d1'] }),
  })
})

afterAll(async () => {
  await api?.close()
  fixture?.dispose()
})

const run = (args: string[] = [], env: Record<string, string> = {}) =>
  fixture.run(args, { env: { FAKE_API_URL: api.url, ...env } })

/** Our block of the output: from the ` Recordings ` line to the next blank line. */
function summaryBlock(result: RunResult): string[] {
  const lines = result.stdout.split('\n')
  const start = lines.findIndex((line) => line.startsWith(' Recordings '))
  if (start === -1) throw new Error(`no summary in:\n${result.output}`)
  const end = lines.findIndex((line, index) => index > start && line.trim() === '')
  return lines.slice(start, end === -1 ? undefined : end).map((line) => line.replace(/\s+$/, ''))
}

/** The summary without the line naming the report file (its name says the shard). */
const judged = (result: RunResult) =>
  summaryBlock(result).filter((line) => !line.includes('Run report written'))

let unsharded: string[]

describe('maintaining recordings on Vitest', () => {
  test('record, then make three things stale', async () => {
    const first = await run()
    expect(first.code, first.output).toBe(0)
    expect(judged(first)[0]).toMatch(/0 replayed \| 5 written/)
    await api.offline()
    fixture.write('tests/alpha.test.ts', testFile('alpha', { keeps: ['a1'] }))
    fixture.write('tests/beta.test.ts', testFile('beta', { asks: ['b1'] }))
    fixture.remove('tests/delta.test.ts')
    const full = await run([], { CI: 'true' })
    expect(full.code, full.output).toBe(0)
    unsharded = judged(full)
    expect(unsharded[0]).toMatch(/ 3 stale /)
    expect(full.stdout).toContain('stale folder tests/__recordings__/delta.test.ts (its test file is gone)')
    expect(full.stdout).toContain(
      'Run `npx vitest run -- --prune-recordings` to remove them without re-recording (or `UPDATE_RECORDINGS=1 npx vitest run` to re-record everything).',
    )
  })

  test('the run report says the same, as versioned JSON', () => {
    const report = JSON.parse(fixture.read('reports/recordings-all.json'))
    expect(report.schema).toBe('fetch-recordings/report/1')
    expect(report.runner).toBe('vitest')
    expect(report.mode).toBe('replay')
    expect(report.run).toEqual({ full: true, shard: null, merged: null })
    expect(report.totals).toMatchObject({ replayed: 3, written: 0, stale: 3, removed: 0, misses: 0 })
    expect(report.staleFolders).toEqual(['tests/__recordings__/delta.test.ts'])
    expect(report.bypassed).toBe(0)
    expect(report.bypassedHosts).toEqual([])
    const beta = report.recordings.find((entry: { test: string }) => entry.test === 'asks')
    expect(beta).toMatchObject({
      testFile: 'tests/beta.test.ts',
      result: 'replayed',
      replayed: 1,
      staleEntries: 1,
    })
    const staleFiles = report.files.flatMap((file: { staleFiles: string[] }) => file.staleFiles)
    expect(staleFiles).toEqual([
      expect.stringMatching(/^tests\/__recordings__\/alpha\.test\.ts\/goes\.\w+\.json$/),
    ])
  })

  test('three shards, merged, report exactly what the unsharded run reports', async () => {
    fixture.remove('.vitest-reports')
    for (const index of [1, 2, 3]) {
      const shard = await run([`--shard=${index}/3`, '--reporter=blob'], { CI: 'true' })
      expect(shard.code, shard.output).toBe(0)
      expect(shard.stdout).toContain(
        `Folders not judged: the run was sharded (shard ${index}/3): folders of deleted test files are judged when the shards' reports are merged.`,
      )
      expect(shard.stdout).not.toContain('stale folder')
    }
    expect(readdirSync(fixture.path('.vitest-reports')).sort()).toEqual([
      'blob-1-3.json',
      'blob-2-3.json',
      'blob-3-3.json',
    ])
    const merged = await run(['--merge-reports'])
    expect(merged.code, merged.output).toBe(0)
    expect(judged(merged)).toEqual(unsharded)
    const report = JSON.parse(fixture.read('reports/recordings-all.json'))
    expect(report.run.merged).toEqual({ shards: [1, 2, 3], count: 3, complete: true })
  })

  test('a merge with a shard missing is partial and judges no folder', async () => {
    fixture.remove('.vitest-reports/blob-2-3.json')
    const partial = await run(['--merge-reports'])
    expect(partial.code, partial.output).toBe(0)
    expect(partial.stdout).toContain('only shard(s) 1, 3 of 3 were merged: the result is partial')
    expect(partial.stdout).not.toContain('stale folder')
  })

  test('prune under a filter deletes nothing and says why', async () => {
    const before = fixture.recordings()
    const filtered = await run(['-t', 'keeps'], { FETCH_RECORDINGS: 'prune' })
    expect(filtered.code, filtered.output).toBe(0)
    expect(filtered.stdout).toContain('prune deleted nothing: the run was not a full unfiltered run')
    expect(fixture.recordings()).toEqual(before)
  })

  test('prune on a full run deletes what is stale, offline, and CI is clean after', async () => {
    const pruned = await run(['--', '--prune-recordings'])
    expect(pruned.code, pruned.output).toBe(0)
    expect(summaryBlock(pruned)[0]).toMatch(
      /3 replayed \| 0 written \| 0 updated \| 0 stale \| 3 removed \(mode: prune\)/,
    )
    expect(pruned.stdout).toContain(
      'removed 1 unused entry of "asks" from tests/__recordings__/beta.test.ts/asks.',
    )
    expect(fixture.exists('tests/__recordings__/delta.test.ts')).toBe(false)
    expect(
      fixture.recordings('tests/__recordings__/alpha.test.ts').some((name) => name.startsWith('goes.')),
    ).toBe(false)
    const beta = fixture.recordings('tests/__recordings__/beta.test.ts')
    expect(fixture.recording(`tests/__recordings__/beta.test.ts/${beta[0]}`).interactions).toHaveLength(1)
    const replay = await run([], { CI: 'true' })
    expect(replay.code, replay.output).toBe(0)
    expect(summaryBlock(replay)[0]).toMatch(
      /3 replayed \| 0 written \| 0 updated \| 0 stale \| 0 removed \(mode: replay\)/,
    )
  })
})

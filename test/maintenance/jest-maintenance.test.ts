/**
 * Maintaining recordings on the real Jest: each shard of `--shard=i/2` writes its run report
 * (reportFile), `fetch-recordings merge` prints what the unsharded run prints (and exits 1 on
 * stale with --fail-on-stale), a partial set judges no folder; prune by the environment option
 * deletes exactly what is stale, offline. One project; the steps build on each other.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fixture } from '../support/contract-scenarios.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { JestProject, REPO } from '../support/jest-fixture.js'

const CLI = join(REPO, 'dist/cli.js')

let api: FakeApi
let project: JestProject

const asks = (name: string, prompts: string[]) =>
  `test(${JSON.stringify(name)}, async () => {\n${prompts.map((p) => `  expect(await chat(${JSON.stringify(p)})).toBe(${JSON.stringify(`Echo: ${p}`)})`).join('\n')}\n})`

beforeAll(async () => {
  api = await startFakeApi()
  project = new JestProject({
    reporterOptions: { reportFile: 'reports/jest-{shard}.json' },
    files: {
      'alpha.test.js': fixture(`${asks('keeps', ['a1'])}\n${asks('goes', ['a2'])}`),
      'beta.test.js': fixture(asks('asks', ['b1', 'b2'])),
      'gamma.test.js': fixture(asks('answers', ['g1'])),
      'delta.test.js': fixture(asks('old', ['d1'])),
    },
  })
})

afterAll(async () => {
  project?.cleanup()
  await api?.close()
})

/** Our block of the output: from the ` Recordings ` line to the next blank line or Jest's own. */
function summaryBlock(output: string): string[] {
  const lines = output.split('\n')
  const start = lines.findIndex((line) => line.startsWith(' Recordings '))
  if (start === -1) throw new Error(`no summary in:\n${output}`)
  const rest = lines.slice(start)
  const end = rest.findIndex((line, index) => index > 0 && !line.startsWith('   '))
  return rest
    .slice(0, end === -1 ? undefined : end)
    .filter((line) => !line.includes('Run report written') && !line.includes('Merged '))
    .map((line) => line.replace(/\s+$/, ''))
}

function merge(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, 'merge', ...args], {
    cwd: project.dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  return { code: result.status, out: `${result.stdout}${result.stderr}` }
}

let unsharded: string[]

describe('maintaining recordings on Jest', () => {
  test('record, make three things stale, and write the run report', async () => {
    const env = { API_URL: api.url }
    const first = await project.run({ env })
    expect(first.exitCode, first.output).toBe(0)
    project.write('alpha.test.js', fixture(asks('keeps', ['a1'])))
    project.write('beta.test.js', fixture(asks('asks', ['b1'])))
    project.remove('delta.test.js')
    const full = await project.run({ env: { ...env, CI: 'true' } })
    expect(full.exitCode, full.output).toBe(0)
    unsharded = summaryBlock(full.output)
    expect(unsharded[0]).toMatch(
      /3 replayed \| 0 written \| 0 updated \| 3 stale \| 0 removed \(mode: replay\)/,
    )
    expect(full.output).toContain('stale folder __recordings__/delta.test.js (its test file is gone)')
    expect(full.output).toContain('Run `FETCH_RECORDINGS=prune npx jest` to remove them without re-recording')
    const report = JSON.parse(project.read('reports/jest-all.json'))
    expect(report).toMatchObject({ schema: 'fetch-recordings/report/1', runner: 'jest', mode: 'replay' })
    expect(report.staleFolders).toEqual(['__recordings__/delta.test.js'])
  })

  test('two shards merged report exactly what the unsharded run reports', async () => {
    const env = { API_URL: api.url, CI: 'true' }
    for (const index of [1, 2]) {
      const shard = await project.run({ env, args: [`--shard=${index}/2`] })
      expect(shard.exitCode, shard.output).toBe(0)
      expect(shard.output).toContain(`Folders not judged: the run was sharded (shard ${index}/2)`)
      expect(shard.output).not.toContain('stale folder')
    }
    const merged = merge('reports/jest-1-of-2.json', 'reports/jest-2-of-2.json')
    expect(merged.code, merged.out).toBe(0)
    expect(summaryBlock(merged.out)).toEqual(unsharded)
    expect(merged.out).toContain('Merged 2 report(s): shard(s) 1, 2 of 2.')
    const failing = merge('--fail-on-stale', 'reports/jest-1-of-2.json', 'reports/jest-2-of-2.json')
    expect(failing.code).toBe(1)
  })

  test('a partial set judges no folder; a bad report file is named', () => {
    const partial = merge('reports/jest-2-of-2.json')
    expect(partial.code, partial.out).toBe(0)
    expect(partial.out).toContain('only shard(s) 2 of 2 were merged: the result is partial')
    expect(partial.out).not.toContain('stale folder')
    project.write('reports/not-a-report.json', '{"hello": 1}\n')
    const bad = merge('reports/not-a-report.json')
    expect(bad.code).toBe(2)
    expect(bad.out).toContain(
      'reports/not-a-report.json: schema is undefined, this version reads "fetch-recordings/report/1"',
    )
  })

  test('prune through the environment option deletes what is stale, offline', async () => {
    const env = { API_URL: api.url }
    await api.close()
    const pruned = await project.run({ env, args: ['--testEnvironmentOptions={"pruneRecordings":true}'] })
    expect(pruned.exitCode, pruned.output).toBe(0)
    expect(summaryBlock(pruned.output)[0]).toMatch(/0 stale \| 3 removed \(mode: prune\)/)
    expect(project.exists('__recordings__/delta.test.js')).toBe(false)
    const replay = await project.run({ env: { ...env, CI: 'true' } })
    expect(replay.exitCode, replay.output).toBe(0)
    expect(summaryBlock(replay.output)[0]).toMatch(
      /3 replayed \| 0 written \| 0 updated \| 0 stale \| 0 removed/,
    )
  })
})

describe('--testEnvironmentOptions replaces the config object', () => {
  const CONFIG_FILE = `module.exports = {
  resolveRecordingPath: ({ testName }) => require('node:path').join(__dirname, 'custom', testName + '.json'),
}
`
  test('the config\u2019s configFile is merged back in; a config that cannot be read fails and says so', async () => {
    const api = await startFakeApi()
    const carried = new JestProject({
      environmentOptions: { configFile: './recordings.config.js' },
      files: { 'recordings.config.js': CONFIG_FILE, 'one.test.js': fixture(asks('custom', ['c1'])) },
    })
    try {
      const run = await carried.run({
        env: { API_URL: api.url },
        args: ['--testEnvironmentOptions={"mode":"new"}'],
      })
      expect(run.exitCode, run.output).toBe(0)
      expect(carried.exists('custom/custom.json')).toBe(true)
      expect(carried.exists('__recordings__')).toBe(false)
      carried.write(
        'jest.config.js',
        `module.exports = async () => ({ testEnvironment: 'fetch-recordings/jest-env', reporters: ['default', 'fetch-recordings/jest-reporter'], testEnvironmentOptions: { configFile: './recordings.config.js' }, transform: {}, watchman: false })\n`,
      )
      const refused = await carried.run({
        env: { API_URL: api.url },
        args: ['--testEnvironmentOptions={"mode":"new"}'],
      })
      expect(refused.exitCode).toBe(1)
      expect(refused.output).toContain('--testEnvironmentOptions replaces testEnvironmentOptions of')
      expect(refused.output).toContain('Add "configFile" to the JSON you pass')
    } finally {
      carried.cleanup()
      await api.close()
    }
  })
})

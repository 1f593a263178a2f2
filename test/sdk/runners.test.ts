/**
 * Today's SDK majors under the real runners (Vitest and Jest, as subprocesses on fixture
 * projects), streaming each: record against a server that mints fresh ids, times and padding,
 * re-record (no file changes by a byte), take the server offline, replay in CI mode (the SDKs
 * hand the tests the same data). The CI matrix runs this on Node 20, 22, 24 and 26, with
 * Vitest 5 (FR_VITEST_HOME) and Jest 30, next to this repository's Vitest 4.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JestProject } from '../support/jest-fixture.js'
import { StableApi, VITEST_VERSION, VitestFixture } from '../support/vitest-fixture.js'
import { SDK_PACKAGES, scenarioOutputs, scenarioSource } from './runner-scenario.js'

const VITEST_CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
// Generous: up to 7 engineers share 2 cores, and an SDK's first import is slow there.
export default defineConfig({ plugins: [fetchRecordings()], test: { testTimeout: 60_000 } })
`

interface Runner {
  name: 'vitest' | 'jest'
  dir: string
  run(env: Record<string, string>): Promise<{ code: number | null; output: string }>
  dispose(): void
}

function vitestRunner(): Runner {
  const fixture = VitestFixture.create(
    { 'vitest.config.ts': VITEST_CONFIG, 'sdks.test.ts': scenarioSource('vitest') },
    SDK_PACKAGES,
  )
  return {
    name: 'vitest',
    dir: fixture.dir,
    run: (env) => fixture.run([], { env, timeoutMs: 120_000 }),
    dispose: () => fixture.dispose(),
  }
}

function jestRunner(): Runner {
  const source = `jest.setTimeout(60_000)\n${scenarioSource('jest')}`
  const project = new JestProject({ files: { 'sdks.test.js': source } })
  return {
    name: 'jest',
    dir: project.dir,
    run: async (env) => {
      const run = await project.run({ env })
      return { code: run.exitCode, output: run.output }
    },
    dispose: () => project.cleanup(),
  }
}

/** Every recording file under the project, by relative path, with its text. */
function recordingTexts(dir: string): Map<string, string> {
  const texts = new Map<string, string>()
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue
      const path = join(folder, entry.name)
      if (entry.isDirectory()) visit(path)
      else if (path.includes('__recordings__') && entry.name.endsWith('.json'))
        texts.set(relative(dir, path), readFileSync(path, 'utf8'))
    }
  }
  visit(dir)
  return texts
}

function outputsOf(dir: string, names: string[]): Record<string, unknown> {
  return Object.fromEntries(
    names.map((name) => [name, JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'))]),
  )
}

let api: StableApi
beforeAll(async () => {
  api = await StableApi.start({ randomIds: true })
})
afterAll(async () => {
  await api?.close()
})

describe.each([
  ['vitest', vitestRunner],
  ['jest', jestRunner],
] as const)(`today's SDKs under %s (Vitest ${VITEST_VERSION} fixtures)`, (name, create) => {
  it('record, re-record byte-identically, replay offline with the same SDK output', async () => {
    await api.online()
    const runner = create()
    try {
      const out = (run: string) => {
        const dir = join(runner.dir, '..', `${name}-out-${run}`)
        mkdirSync(dir, { recursive: true })
        return dir
      }
      const names = scenarioOutputs(name)
      const base = { FAKE_API_URL: api.url }
      const recorded = await runner.run({ ...base, OUT_DIR: out('record') })
      expect(recorded.code, recorded.output).toBe(0)
      const files = recordingTexts(runner.dir)
      expect(files.size).toBe(names.length)

      const again = await runner.run({ ...base, OUT_DIR: out('again'), UPDATE_RECORDINGS: '1' })
      expect(again.code, again.output).toBe(0)
      expect(recordingTexts(runner.dir)).toEqual(files)

      await api.offline()
      const replayed = await runner.run({ ...base, OUT_DIR: out('replay'), CI: '1' })
      expect(replayed.code, replayed.output).toBe(0)
      const first = outputsOf(out('record'), names)
      expect(outputsOf(out('again'), names)).toEqual(first)
      expect(outputsOf(out('replay'), names)).toEqual(first)
      expect(recordingTexts(runner.dir)).toEqual(files)
    } finally {
      runner.dispose()
    }
  }, 300_000)
})

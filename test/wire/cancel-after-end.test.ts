/**
 * openai@7 breaks out of its SSE loop on `data: [DONE]` and cancels the body; over a real
 * network the end of the body often arrives a few milliseconds later. Recording drains the
 * rest, so what is stored never depends on that gap: through the real SDK, with concurrent
 * tests, against an API that waits a fresh random 0-50 ms between `[DONE]` and the end of every
 * stream and mints fresh ids, 5 re-records in each runner leave every file byte-identical and
 * none marked truncated; then the project replays offline.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { JestProject } from '../support/jest-fixture.js'
import { StableApi, VitestFixture } from '../support/vitest-fixture.js'

const TESTS = 6
const STREAMS_PER_TEST = 2
const RE_RECORDS = 5

const testBody = `
const client = new OpenAI({ apiKey: 'sk-fixture-cancel-0001', baseURL: process.env.FAKE_API_URL + '/v1', maxRetries: 0 })

async function streamed(content) {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    stream: true,
    messages: [{ role: 'user', content }],
  })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
  return text
}

describe('streams', () => {
  for (let i = 0; i < ${TESTS}; i++) {
    test.concurrent('stream ' + i, async () => {
      for (let j = 0; j < ${STREAMS_PER_TEST}; j++) {
        const prompt = 'prompt ' + i + ' part ' + j
        expect(await streamed(prompt)).toBe('Echo: ' + prompt)
      }
    })
  }
})
`

const VITEST_FILES = {
  'vitest.config.ts': `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()] })
`,
  'streams.test.js': `import OpenAI from 'openai'\nimport { describe, expect, test } from 'vitest'\n${testBody}`,
}

const JEST_FILES = {
  'streams.test.js': `const OpenAI = require('openai').default\n${testBody}`,
}

interface Project {
  dir: string
  run(env: Record<string, string>): Promise<{ code: number | null; output: string }>
}

/** SHA-256 of every recording file under the project, by path. */
function recordingHashes(dir: string): Map<string, string> {
  const hashes = new Map<string, string>()
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue
      const path = join(folder, entry.name)
      if (entry.isDirectory()) visit(path)
      else if (path.includes('__recordings__'))
        hashes.set(path, createHash('sha256').update(readFileSync(path)).digest('hex'))
    }
  }
  visit(dir)
  return hashes
}

const apis: StableApi[] = []

afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()))
})

async function reRecordsChangeNothing(project: Project): Promise<void> {
  // One API per runner: the two run at once, and each counts its own requests.
  const api = await StableApi.start({ randomIds: true, streamEndGapMs: [0, 50] })
  apis.push(api)
  const env = { FAKE_API_URL: api.url }
  const recorded = await project.run(env)
  expect(recorded.code, recorded.output).toBe(0)
  const baseline = recordingHashes(project.dir)
  const files = [...baseline.keys()].filter((path) => path.endsWith('.json'))
  expect(files).toHaveLength(TESTS)
  for (const path of files) {
    const text = readFileSync(path, 'utf8')
    expect(text).not.toContain('"truncated"')
    const { interactions } = JSON.parse(text)
    expect(interactions).toHaveLength(STREAMS_PER_TEST)
    for (const { response } of interactions) expect(response.body.at(-1)).toEqual({ data: '[DONE]' })
  }

  const changed: string[] = []
  for (let round = 0; round < RE_RECORDS; round++) {
    const before = api.requests.length
    const rerecorded = await project.run({ ...env, UPDATE_RECORDINGS: '1' })
    expect(rerecorded.code, rerecorded.output).toBe(0)
    // Every stream went to the API again (update mode re-records live).
    expect(api.requests.length - before).toBe(TESTS * STREAMS_PER_TEST)
    for (const [path, hash] of recordingHashes(project.dir)) {
      if (baseline.get(path) !== hash) changed.push(`round ${round + 1}: ${path}`)
    }
  }
  expect(changed).toEqual([])

  await api.offline()
  const replayed = await project.run({ ...env, CI: '1' })
  expect(replayed.code, replayed.output).toBe(0)
}

describe.concurrent('a stream cancelled after its last event records the same file every time', () => {
  // 7 runs of a runner each: minutes on a busy machine.
  const timeout = 300_000

  test('vitest', { timeout }, async () => {
    const fixture = VitestFixture.create(VITEST_FILES)
    try {
      await reRecordsChangeNothing({
        dir: fixture.dir,
        run: (env) => fixture.run([], { env, timeoutMs: 120_000 }),
      })
    } finally {
      fixture.dispose()
    }
  })

  test('jest', { timeout }, async () => {
    const project = new JestProject({ files: JEST_FILES })
    try {
      await reRecordsChangeNothing({
        dir: project.dir,
        run: async (env) => {
          const { exitCode, output } = await project.run({ env })
          return { code: exitCode, output }
        },
      })
    } finally {
      project.cleanup()
    }
  })
})

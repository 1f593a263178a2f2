/**
 * Every pool records and replays: forks, threads, vmThreads, vmForks and a project without
 * isolation (several files in one worker, one recorder installed once), as projects of a single
 * run, so the reporter also proves it is added once for many projects. The replay runs once
 * with isolation and once with `--no-isolate` for everyone.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunResult, StableApi, VitestFixture } from '../support/vitest-fixture.js'

const POOLS = ['forks', 'threads', 'vmThreads', 'vmForks', 'shared'] as const

const CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
const project = (name: string, pool: string, isolate = true) => ({
  extends: true,
  test: { name, pool, isolate, include: [name + '/*.test.ts'] },
})
export default defineConfig({
  plugins: [fetchRecordings()],
  test: {
    maxWorkers: 2,
    projects: [
      project('forks', 'forks'),
      project('threads', 'threads'),
      project('vmThreads', 'vmThreads'),
      project('vmForks', 'vmForks'),
      project('shared', 'forks', false),
    ],
  },
})
`

const HELPERS = `
const url = () => process.env.FAKE_API_URL + '/v1/chat/completions'
const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-fixture-secret-0002' }
export async function chat(content: string): Promise<string> {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })
  const response = await fetch(url(), { method: 'POST', headers, body })
  return (await response.json()).choices[0].message.content
}
/** The streamed answer, joined from its SSE events. */
export async function stream(content: string): Promise<string> {
  const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content }] })
  const response = await fetch(url(), { method: 'POST', headers, body })
  const text = await response.text()
  return text
    .split('\\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)).choices[0]?.delta?.content ?? '')
    .join('')
}
`

function poolTest(pool: string, file: string): string {
  const tag = `${pool}-${file}`
  return `
import { expect, test } from 'vitest'
import { chat, stream } from '../helpers'

const warm = await chat('module ${tag}')

test.concurrent.each([1, 2])('concurrent %i', async (n) => {
  expect(warm).toBe('Echo: module ${tag}')
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, n * 5))
    expect(await chat('${tag} c' + n + '-' + i)).toBe('Echo: ${tag} c' + n + '-' + i)
  }
})

test('streams', async () => {
  expect(await stream('${tag} stream')).toBe('Echo: ${tag} stream')
})
`
}

let api: StableApi
let fixture: VitestFixture

beforeAll(async () => {
  api = await StableApi.start()
  const files: Record<string, string> = { 'vitest.config.ts': CONFIG, 'helpers.ts': HELPERS }
  for (const pool of POOLS) {
    for (const file of ['a', 'b']) files[`${pool}/${file}.test.ts`] = poolTest(pool, file)
  }
  fixture = VitestFixture.create(files)
})

afterAll(async () => {
  await api?.close()
  fixture?.dispose()
})

const run = (args: string[] = [], env: Record<string, string> = {}) =>
  fixture.run(args, { env: { FAKE_API_URL: api.url, ...env }, timeoutMs: 60_000 })

function summaryOf(result: RunResult): string {
  const lines = result.stdout.split('\n').filter((text) => text.startsWith(' Recordings '))
  expect(lines, result.output).toHaveLength(1)
  return (lines[0] as string).replace(/\s+/g, ' ').trim()
}

const contentsOf = (path: string) =>
  fixture
    .recording(path)
    .interactions.map(
      (interaction) => (interaction.request.body as { messages: { content: string }[] }).messages[0]?.content,
    )

// 5 projects × 2 files × (file level + 2 concurrent + streams)
const RECORDINGS = 40

describe('pools', () => {
  test('every pool records, each test into its own file', async () => {
    const result = await run()
    expect(result.code, result.output).toBe(0)
    expect(summaryOf(result)).toBe(
      `Recordings 0 replayed | ${RECORDINGS} written | 0 updated | 0 stale | 0 removed (mode: new)`,
    )
    for (const pool of POOLS) {
      for (const file of ['a', 'b']) {
        const folder = `${pool}/__recordings__/${file}.test.ts`
        const names = fixture.recordings(folder)
        expect(names, folder).toHaveLength(4)
        const tag = `${pool}-${file}`
        expect(contentsOf(`${folder}/__file__.json`)).toEqual([`module ${tag}`])
        for (const n of [1, 2]) {
          const name = names.find((entry) => entry.startsWith(`concurrent-${n}.`)) as string
          expect(contentsOf(`${folder}/${name}`), `${folder} concurrent ${n}`).toEqual([
            `${tag} c${n}-0`,
            `${tag} c${n}-1`,
          ])
        }
      }
    }
  })

  test('every pool replays offline, isolated or not', async () => {
    await api.offline()
    const replayed = `Recordings ${RECORDINGS} replayed | 0 written | 0 updated | 0 stale | 0 removed (mode: replay)`
    const isolated = await run([], { CI: 'true' })
    expect(isolated.code, isolated.output).toBe(0)
    expect(summaryOf(isolated)).toBe(replayed)
    const shared = await run(['--no-isolate'], { CI: 'true' })
    expect(shared.code, shared.output).toBe(0)
    expect(summaryOf(shared)).toBe(replayed)
  })
})

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createRecorder, type RecordingMode } from '../../src/index.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fr-ids-'))
  dirs.push(dir)
  return dir
}

async function post(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-0123456789abcdef' },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: await response.json() }
}

/** Upload → vector store → search → chat with a tool call → tool result → Responses chain. */
async function multiStepFlow(base: string) {
  const form = new FormData()
  form.append('purpose', 'assistants')
  form.append('file', new Blob(['the manual says hello']), 'manual.txt')
  const file: any = await (await fetch(`${base}/v1/files`, { method: 'POST', body: form })).json()
  const store = await post(`${base}/v1/vector_stores`, { name: 'docs', file_ids: [file.id] })
  const search = await post(`${base}/v1/vector_stores/${store.json.id}/search`, { query: 'hello' })
  const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }]
  const first = await post(`${base}/v1/chat/completions`, {
    model: 'gpt-4o',
    tools,
    messages: [{ role: 'user', content: 'look it up' }],
  })
  const call = first.json.choices[0].message.tool_calls[0]
  const second = await post(`${base}/v1/chat/completions`, {
    model: 'gpt-4o',
    tools,
    messages: [
      { role: 'user', content: 'look it up' },
      first.json.choices[0].message,
      { role: 'tool', tool_call_id: call.id, content: 'found it' },
    ],
  })
  const r1 = await post(`${base}/v1/responses`, { model: 'gpt-4o', input: 'one' })
  const r2 = await post(`${base}/v1/responses`, {
    model: 'gpt-4o',
    input: 'two',
    previous_response_id: r1.json.id,
  })
  const streamed = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'stream me' }],
    }),
  })
  return { file, store, search, first, call, second, r1, r2, streamText: await streamed.text() }
}

async function runFlow(
  dir: string,
  mode: RecordingMode,
  base: string,
  options: { keepMapping?: boolean } = {},
) {
  const recorder = createRecorder({
    mode,
    rootDir: dir,
    normalizeIds: { keepMapping: options.keepMapping ?? false },
  })
  recorder.install()
  try {
    const run = recorder.startTest({ testFile: join(dir, 'flow.test.ts'), testName: 'flow > multi step' })
    const result = await run.run(() => multiStepFlow(base))
    const outcome = run.finish({ status: 'passed' })
    return { result, outcome, error: run.error() }
  } finally {
    await recorder.dispose()
  }
}

function recordingText(dir: string): string {
  const folder = join(dir, '__recordings__', 'flow.test.ts')
  const [name] = readdirSync(folder)
  return readFileSync(join(folder, name as string), 'utf8')
}

describe('normalizeIds', () => {
  let api: FakeApi | undefined
  afterEach(async () => {
    await api?.close()
    api = undefined
  })

  it('shows the test normalized ids while recording, swaps real ids back upstream, and replays offline', async () => {
    const dir = tempDir()
    api = await startFakeApi({ randomIds: true })
    const recorded = await runFlow(dir, 'update', api.url)
    expect(recorded.error).toBeUndefined()
    const { result } = recorded
    // The server would answer 404 to an id it never minted: these prove the real ids went back.
    expect(result.store.status).toBe(200)
    expect(result.search.status).toBe(200)
    expect(result.r2.status).toBe(200)
    // The real ids' shape: their prefix and 24 letters and digits (the server checks real ids).
    expect(result.file.id).toMatch(/^file-[A-Za-z0-9]{24}$/)
    expect(result.store.json.id).toMatch(/^vs_[A-Za-z0-9]{24}$/)
    expect(result.call.id).toMatch(/^call_[A-Za-z0-9]{24}$/)
    expect(result.first.json.id).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/)
    // None of them is a real one: the server would find a real id in what it was sent.
    const sent = api.requests.map((request) => `${request.path} ${request.body.toString()}`).join('\n')
    for (const id of [result.file.id, result.store.json.id, result.call.id, result.first.json.id])
      expect(sent).not.toContain(id)
    expect(result.first.json.created).toBe(1_700_000_000)
    expect(JSON.stringify(result.search.json)).toContain(result.file.id)
    expect(JSON.stringify(result.second.json)).toContain(result.call.id)
    expect(result.r2.json.output_text).toContain(result.r1.json.id)
    // Every SSE chunk of one stream carries the same normalized id.
    const ids = new Set([...result.streamText.matchAll(/"id":"([^"]+)"/g)].map((m) => m[1]))
    expect([...ids]).toHaveLength(1)
    expect([...ids][0]).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/)
    const text = recordingText(dir)
    expect(text).not.toMatch(/"date"|openai-processing-ms/)
    expect(text).toMatch(/"x-request-id": "req_[0-9a-f]{32}"/)
    expect(text).toContain('"x-ratelimit-limit-requests": "500"')

    const base = api.url
    await api.close()
    api = undefined
    const replayed = await runFlow(dir, 'replay', base)
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toEqual(result)
  })

  it('re-recording fresh ids and timestamps yields a byte-identical file', async () => {
    const dir = tempDir()
    api = await startFakeApi({ randomIds: true })
    await runFlow(dir, 'update', api.url)
    const first = recordingText(dir)
    const again = await runFlow(dir, 'update', api.url)
    expect(again.outcome.change).toBe('none')
    expect(recordingText(dir)).toBe(first)
    expect(api.requests.length).toBe(16) // both runs went to the network: 8 requests each
  })

  it('keeps normalized → real pairs only when asked', async () => {
    const dir = tempDir()
    api = await startFakeApi({ randomIds: true })
    await runFlow(dir, 'update', api.url)
    expect(recordingText(dir)).not.toMatch(/"id_normalization_mapping": \{\s*"/)
    await runFlow(dir, 'update', api.url, { keepMapping: true })
    expect(recordingText(dir)).toMatch(
      /"id_normalization_mapping": \{\s*("req_[0-9a-f]{32}": "req_[0-9a-f]+",\s*)?"file-[A-Za-z0-9]{24}": "file-/,
    )
  })

  it('can be turned off', async () => {
    const dir = tempDir()
    api = await startFakeApi({ randomIds: true })
    const recorder = createRecorder({ mode: 'update', rootDir: dir, normalizeIds: false }).install()
    try {
      const run = recorder.startTest({ testFile: join(dir, 'flow.test.ts'), testName: 'off' })
      const first = await run.run(() =>
        post(`${api?.url}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      )
      run.finish({ status: 'passed' })
      expect(first.json.id).not.toMatch(/rec[0-9a-f]{12}$/)
    } finally {
      await recorder.dispose()
    }
  })
})

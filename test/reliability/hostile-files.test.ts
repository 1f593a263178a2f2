import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createRecorder, defaultRecordingPath } from '../../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'fr-hostile-'))
const testFile = join(dir, 'hostile.test.ts')
const URL_ = 'http://api.example.test/v1/x'
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function interaction(overrides: { request?: object; response?: object } = {}) {
  return {
    request: { method: 'GET', url: URL_, endpoint: '/v1/x', headers: {}, ...overrides.request },
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      is_streaming: false,
      body_encoding: 'json',
      body: { ok: true },
      ...overrides.response,
    },
    id_normalization_mapping: {},
  }
}

function fileText(...interactions: object[]): string {
  return `${JSON.stringify({ format: 'fetch-recordings/1', test_id: 't', interactions }, null, 2)}\n`
}

/** Writes `content` as the recording of `name`, replays one GET, returns what the test saw. */
async function replay(name: string, content: string | Buffer, init?: RequestInit) {
  const path = defaultRecordingPath({ testFile, testName: name })
  mkdirSync(dirname(path), { recursive: true })
  // Written for the test that reads it (a file naming another test is refused).
  const owned = (text: string) =>
    text.replace(/"test_id": ?"t"/, `"test_id": ${JSON.stringify(`hostile.test.ts > ${name}`)}`)
  writeFileSync(
    path,
    typeof content === 'string' ? owned(content) : Buffer.from(owned(content.toString('latin1')), 'latin1'),
  )
  const recorder = createRecorder({ mode: 'replay', rootDir: dir }).install()
  try {
    const run = recorder.startTest({ testFile, testName: name })
    const result = await run.run(async () => {
      try {
        const response = await fetch(URL_, init)
        return { status: response.status, text: await response.text() }
      } catch (error) {
        return { error: (error as any).cause ?? error }
      }
    })
    run.finish({ status: 'passed' })
    // A recording that cannot be read is answered with an error answer; the test fails with the error.
    const error = run.error()
    return error ? { error, path } : { ...result, path }
  } finally {
    await recorder.dispose()
  }
}

describe('hostile recording files: a clear error or a correct replay, never a crash or a hang', () => {
  it('truncated file → invalid JSON with file and line:column', async () => {
    const text = fileText(interaction())
    const result = await replay('truncated', text.slice(0, Math.floor(text.length / 2)))
    expect(result.error?.code).toBe('RECORDING_INVALID_JSON')
    expect(result.error?.message).toMatch(
      new RegExp(`${result.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ is not valid JSON`),
    )
  })

  it('wrong types → names the field', async () => {
    const result = await replay('wrong types', fileText(interaction({ response: { status: '200' } })))
    expect(result.error?.code).toBe('RECORDING_INVALID_FORMAT')
    expect(result.error?.message).toContain('interactions[0].response.status is not an HTTP status code')
  })

  it('__proto__ and constructor keys do not pollute prototypes; bodies with them replay as data', async () => {
    const body = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"ok":1}'
    const text = fileText(interaction({ response: { body_encoding: 'text', body } })).replace(
      '"headers": {}',
      '"headers": {"__proto__": {"polluted": "yes"}}',
    )
    const bad = await replay('proto headers', text)
    expect(bad.error?.code).toBe('RECORDING_INVALID_FORMAT')
    const raw = `{"format":"fetch-recordings/1","test_id":"t","interactions":[{"request":{"method":"GET","url":"${URL_}","endpoint":"/v1/x","headers":{}},"response":{"status":200,"headers":{},"is_streaming":false,"body_encoding":"json","body":${body}},"id_normalization_mapping":{}}]}`
    const good = await replay('proto body', raw)
    expect(good.status).toBe(200)
    expect(JSON.parse(good.text as string)).toEqual(JSON.parse(body))
    expect(({} as any).polluted).toBeUndefined()
    expect((Object.prototype as any).polluted).toBeUndefined()
  })

  it('10,000-deep nesting in a request or a response → a clear error', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`
    const inRequest = fileText(interaction({ request: { body_encoding: 'json', body: '@@DEEP@@' } })).replace(
      '"@@DEEP@@"',
      deep,
    )
    const request = await replay('deep request', inRequest)
    expect(request.error?.code).toBe('RECORDING_INVALID_FORMAT')
    expect(request.error?.message).toContain('nested too deeply')
    const inResponse = fileText(interaction({ response: { body: '@@DEEP@@' } })).replace('"@@DEEP@@"', deep)
    const response = await replay('deep response', inResponse)
    expect(response.error?.code).toBe('RECORDING_INVALID_FORMAT')
    expect(response.error?.message).toContain('cannot be replayed')
  })

  it('invalid UTF-8 in the file replays what decodes (replacement characters), without crashing', async () => {
    const text = fileText(interaction({ response: { body_encoding: 'text', body: 'caf@@' } }))
    const bytes = Buffer.concat(
      text
        .split('@@')
        .flatMap((part, i) =>
          i === 0 ? [Buffer.from(part)] : [Buffer.from([0xc3, 0x28]), Buffer.from(part)],
        ),
    )
    const result = await replay('invalid utf8', bytes)
    expect(result.status).toBe(200)
    expect(result.text).toBe('caf\ufffd(')
  })

  it('a BOM is ignored', async () => {
    const result = await replay('bom', `\ufeff${fileText(interaction())}`)
    expect(result.status).toBe(200)
    expect(JSON.parse(result.text as string)).toEqual({ ok: true })
  })

  it('a 50 MB body replays whole', async () => {
    const body = 'x'.repeat(50 * 1024 * 1024)
    const result = await replay('big', fileText(interaction({ response: { body_encoding: 'text', body } })))
    expect(result.status).toBe(200)
    expect(result.text?.length).toBe(body.length)
  })
})

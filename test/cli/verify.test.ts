import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Built by `npm test` before the suite starts.
const cli = join(__dirname, '../../dist/cli.js')
let dir: string
let folder: string

function recording(body: unknown): string {
  const interaction = {
    request: { method: 'GET', url: 'https://api.example.com/v1/x', endpoint: '/v1/x', headers: {} },
    response: { status: 200, headers: {}, is_streaming: false, body_encoding: 'json', body },
    id_normalization_mapping: {},
  }
  return `${JSON.stringify({ format: 'fetch-recordings/1', test_id: 't', interactions: [interaction] }, null, 2)}\n`
}

function verify(...paths: string[]) {
  const result = spawnSync(process.execPath, [cli, 'verify', ...paths], { encoding: 'utf8', cwd: dir })
  return { code: result.status, out: result.stdout + result.stderr }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fr-verify-'))
  folder = join(dir, 'test', '__recordings__', 'a.test.ts')
  mkdirSync(folder, { recursive: true })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('fetch-recordings verify', () => {
  it('passes clean files', () => {
    writeFileSync(join(folder, 'ok.json'), recording({ answer: 'hello' }))
    const { code, out } = verify()
    expect(out).toContain('1 recording file(s) verified')
    expect(code).toBe(0)
  })

  it('reports secret-looking strings with file, line and column, and exits non-zero', () => {
    const secrets = {
      openai: 'sk-proj-abcdefghijklmnopqrstuvwxyz012345',
      anthropic: 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
      aws: 'AKIAIOSFODNN7EXAMPLE',
      auth: 'Bearer abcdefghijklmnop0123456789',
      jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    }
    writeFileSync(join(folder, 'leak.json'), recording(secrets))
    const { code, out } = verify(join(dir, 'test'))
    expect(code).toBe(1)
    for (const name of [
      'Anthropic API key',
      'OpenAI-style API key',
      'AWS access key id',
      'bearer token',
      'JWT',
    ]) {
      expect(out).toContain(name)
    }
    expect(out).toMatch(/leak\.json:\d+:\d+: looks like a Anthropic API key/)
    // The report must not print the secret itself.
    expect(out).not.toContain(secrets.openai)
    rmSync(join(folder, 'leak.json'))
  })

  it('reports files that do not parse, with the position', () => {
    writeFileSync(join(folder, 'broken.json'), '{\n  "format": "fetch-recordings/1",\n  "test_id": \n}\n')
    writeFileSync(
      join(folder, 'future.json'),
      JSON.stringify({ format: 'fetch-recordings/9', test_id: 't', interactions: [] }),
    )
    const { code, out } = verify(join(folder, 'broken.json'), join(folder, 'future.json'))
    expect(code).toBe(1)
    expect(out).toMatch(/broken\.json:4:1: .*is not valid JSON/)
    expect(out).toMatch(/future\.json:1:1: .*"fetch-recordings\/9"/)
  })
})

import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LEAKS } from './leak-corpus.js'

// Built by `npm test` before the suite starts.
const REPO = join(import.meta.dirname, '../..')
const cli = join(REPO, 'dist/cli.js')
let dir: string

type Body = { body_encoding: string; body: unknown }

function recording(response: Body, url = 'https://api.example.com/v1/x'): string {
  const interaction = {
    request: { method: 'GET', url, endpoint: new URL(url).pathname, headers: {} },
    response: { status: 200, headers: {}, is_streaming: false, ...response },
    id_normalization_mapping: {},
  }
  return `${JSON.stringify({ format: 'fetch-recordings/1', test_id: 't', interactions: [interaction] }, null, 2)}\n`
}

/** Five ways a leaked value sits in a file, used in turn. */
const PLANTINGS: ((value: string) => string)[] = [
  (value) => recording({ body_encoding: 'json', body: { data: { note: `here: ${value}` } } }),
  // Every non-alphanumeric character JSON-escaped, as a hand edit or another tool may write it.
  (value) =>
    recording({ body_encoding: 'json', body: { note: '@@' } }).replace(
      '@@',
      value.replace(/[^A-Za-z0-9]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ),
  (value) =>
    recording({
      body_encoding: 'base64',
      body: Buffer.from(`\u0000\u00ff${value}\u0001`, 'latin1').toString('base64'),
    }),
  (value) => recording({ body_encoding: 'text', body: JSON.stringify({ nested: { value } }) }),
  (value) => recording({ body_encoding: 'sse', body: [{ data: { delta: value } }, { data: '[DONE]' }] }),
]

function verify(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, 'verify', ...args], { encoding: 'utf8', cwd: dir })
  return { code: result.status, out: result.stdout + result.stderr }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fr-verify-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe(`fetch-recordings verify against a corpus of ${LEAKS.length} leaked formats`, () => {
  it('flags every family in every planting, names file:line:column and the rule, never prints the secret', () => {
    const folder = join(dir, 'corpus', '__recordings__', 'a.test.ts')
    mkdirSync(folder, { recursive: true })
    LEAKS.forEach(({ family, value }, index) => {
      writeFileSync(
        join(folder, `${family}.json`),
        (PLANTINGS[index % PLANTINGS.length] as (v: string) => string)(value),
      )
    })
    const { code, out } = verify('--json', join(dir, 'corpus'))
    expect(code).toBe(1)
    const report = JSON.parse(out) as { files: number; findings: any[]; note?: string }
    expect(report.files).toBe(LEAKS.length)
    for (const { family, value } of LEAKS) {
      const mine = report.findings.filter((finding) => finding.file.endsWith(`/${family}.json`))
      expect(
        mine.map((finding) => finding.rule),
        family,
      ).toContain(`fetch-recordings/${family}`)
      for (const finding of mine) {
        expect(finding.line).toBeGreaterThan(1)
        expect(finding.column).toBeGreaterThan(0)
      }
      expect(out).not.toContain(value.slice(0, 24))
    }
    // Where secretlint loads (not on Node 20: npm skips it there), its preset runs as well.
    if (report.note === undefined) {
      const theirs = new Set(
        report.findings.map((f) => f.rule).filter((rule: string) => rule.startsWith('@secretlint/')),
      )
      expect(theirs.size).toBeGreaterThanOrEqual(10)
    } else {
      expect(report.note).toMatch(/secretlint's preset could not be loaded on Node .*own formats ran alone/)
    }
  })

  it('prints one line per finding as file:line:column: rule: message', () => {
    const { code, out } = verify(join(dir, 'corpus', '__recordings__', 'a.test.ts', 'github.json'))
    expect(code).toBe(1)
    expect(out).toMatch(
      /github\.json:\d+:\d+: fetch-recordings\/github: GitHub token: ghp_\w{2}…\(40 chars\)/,
    )
    expect(out).toContain('1 recording file(s)')
  })

  it('a value a hand edit planted at a credential-named field is flagged, whatever its shape', () => {
    const folder = join(dir, 'planted', '__recordings__')
    mkdirSync(folder, { recursive: true })
    writeFileSync(
      join(folder, 'p.json'),
      recording({ body_encoding: 'json', body: { api_key: 'short1', ok: 1 } }),
    )
    const { code, out } = verify(join(dir, 'planted'))
    expect(code).toBe(1)
    expect(out).toMatch(/p\.json:\d+:\d+: fetch-recordings\/credential-field: "api_key" holds a value/)
  })

  it('the text of an XML element with a credential name (an STS answer) is flagged', () => {
    const folder = join(dir, 'planted-xml', '__recordings__')
    mkdirSync(folder, { recursive: true })
    const sts =
      '<AssumeRoleResponse><Credentials><AccessKeyId>[redacted]</AccessKeyId><SecretAccessKey>wJalrXUtnFEMIxK7MDENG</SecretAccessKey></Credentials></AssumeRoleResponse>'
    writeFileSync(join(folder, 'x.json'), recording({ body_encoding: 'text', body: sts }))
    const { code, out } = verify(join(dir, 'planted-xml'))
    expect(code).toBe(1)
    expect(out).toMatch(/x\.json:\d+:\d+: fetch-recordings\/credential-field: an XML element/)
    expect(out).not.toContain('wJalrXUtnFEMIxK7MDENG')
  })

  it('the demo recordings in examples/ pass', () => {
    const { code, out } = verify(join(REPO, 'examples'))
    expect(out).toMatch(/\d+ recording file\(s\) verified: all parse, no credentials found/)
    expect(code).toBe(0)
  })

  it('follows a symlinked __recordings__ folder', () => {
    const real = join(dir, 'elsewhere', 'recs')
    mkdirSync(real, { recursive: true })
    writeFileSync(join(real, 'x.json'), PLANTINGS[0]!(LEAKS[3]!.value))
    mkdirSync(join(dir, 'linked', 'test'), { recursive: true })
    symlinkSync(real, join(dir, 'linked', 'test', '__recordings__'))
    const { code, out } = verify(join(dir, 'linked'))
    expect(out).toContain('fetch-recordings/github')
    expect(code).toBe(1)
  })

  it('exits 2 with a clear message when it finds no recording file (a wrong folder must not pass)', () => {
    mkdirSync(join(dir, 'empty', 'src'), { recursive: true })
    const { code, out } = verify(join(dir, 'empty'))
    expect(code).toBe(2)
    expect(out).toContain(`No recording file found under ${join(dir, 'empty')}`)
    const json = verify('--json', join(dir, 'nowhere'))
    expect(json.code).toBe(2)
    expect(JSON.parse(json.out).files).toBe(0)
  })

  it('reports files that do not parse, with the position', () => {
    const folder = join(dir, 'broken', '__recordings__')
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, 'broken.json'), '{\n  "format": "fetch-recordings/1",\n  "test_id": \n}\n')
    writeFileSync(
      join(folder, 'future.json'),
      JSON.stringify({ format: 'fetch-recordings/9', test_id: 't', interactions: [] }),
    )
    const { code, out } = verify(join(dir, 'broken'))
    expect(code).toBe(1)
    expect(out).toMatch(/broken\.json:4:1: fetch-recordings\/format: .*is not valid JSON/)
    expect(out).toMatch(/future\.json:1:1: fetch-recordings\/format: .*"fetch-recordings\/9"/)
  })
})

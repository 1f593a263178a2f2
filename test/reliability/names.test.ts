import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createRecorder, defaultRecordingPath, recordingsFolderOf, testIdOf } from '../../src/index.js'

const PIECES = [
  '/',
  '\\',
  '..',
  '.',
  ':',
  '*',
  '?',
  '"',
  '<',
  '>',
  '|',
  '\0',
  ' > ',
  '🦙',
  'é',
  'e\u0301',
  'Ω',
  '中文',
  '\t',
  '\n',
  ' ',
  'CON',
  'nul',
  'COM1',
  'lpt9',
  'aux.txt',
  '%2e%2e',
  '~',
  '$HOME',
  '[gpt-4o]',
]

/** Deterministic pseudo-random names built from the nastiest pieces we know. */
function generatedNames(count: number): string[] {
  // mulberry32: exact 32-bit arithmetic, so the sequence is the same on every machine.
  let seed = 42
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const names = new Set<string>()
  while (names.size < count) {
    const parts: string[] = []
    const length = 1 + Math.floor(random() * 8)
    for (let i = 0; i < length; i++) {
      parts.push(
        random() < 0.5
          ? (PIECES[Math.floor(random() * PIECES.length)] as string)
          : random()
              .toString(36)
              .slice(2, 2 + Math.floor(random() * 6)),
      )
    }
    if (random() < 0.05) parts.push('x'.repeat(500 + Math.floor(random() * 500)))
    names.add(random() < 0.3 ? parts.join('').toUpperCase() : parts.join(''))
  }
  return [...names]
}

describe('10,000 generated test names', () => {
  const testFile = join(tmpdir(), 'project', 'test', 'chat.test.ts')
  const folder = recordingsFolderOf(testFile)
  const names = generatedNames(10_000)

  it('all stay inside __recordings__/<test file>/, stay short, and never collide (also case-insensitively)', () => {
    const seen = new Map<string, string>()
    for (const name of names) {
      const path = defaultRecordingPath({ testFile, testName: name })
      expect(dirname(path)).toBe(folder)
      const file = relative(folder, path)
      expect(file.includes(sep) || file.startsWith('..')).toBe(false)
      expect(file).toMatch(/^[A-Za-z0-9._-]+\.json$/)
      expect(file.length).toBeLessThanOrEqual(100)
      expect(file).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i)
      const folded = file.toLowerCase()
      expect(seen.get(folded), `"${name}" collides with "${seen.get(folded)}"`).toBeUndefined()
      seen.set(folded, name)
    }
    expect(seen.size).toBe(10_000)
  })

  it('every name round-trips through test_id', () => {
    const root = dirname(dirname(testFile))
    for (const name of names) {
      const id = testIdOf({ testFile, testName: name }, root)
      expect(id.slice('test/chat.test.ts > '.length)).toBe(name)
    }
  })

  it('recorded files carry the exact name (200 of them written for real)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-names-'))
    const server = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
    const recorder = createRecorder({ mode: 'update', rootDir: dir }).install()
    const sample = names.filter((_, i) => i % 50 === 0)
    try {
      const file = join(dir, 'names.test.ts')
      for (const name of sample) {
        const run = recorder.startTest({ testFile: file, testName: name })
        await run.run(() => fetch(url).then((r) => r.text()))
        run.finish({ status: 'passed' })
      }
      const written = readdirSync(recordingsFolderOf(file))
      expect(written).toHaveLength(sample.length)
      const ids = new Set(
        written.map((f) => JSON.parse(readFileSync(join(recordingsFolderOf(file), f), 'utf8')).test_id),
      )
      expect(ids).toEqual(new Set(sample.map((name) => `names.test.ts > ${name}`)))
    } finally {
      await recorder.dispose()
      server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

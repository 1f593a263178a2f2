/**
 * Recording files are read as latin1 when every byte is ASCII (the fast path) and as UTF-8
 * otherwise: what comes back must be exactly what UTF-8 decoding gives, for any bytes
 * (generated text of every plane, a BOM, invalid UTF-8, pure ASCII), and the errors for a
 * missing file and a folder stay what they were.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { readTextIfExists } from '../../src/files/storage.js'

const dir = mkdtempSync(join(tmpdir(), 'fr-read-text-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('readTextIfExists', () => {
  it('decodes any bytes exactly as UTF-8 does', () => {
    let ascii = 0
    let file = 0
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }).map((text) => Buffer.from(text)),
          fc.string({ maxLength: 200 }).map((text) => Buffer.from(text)),
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
          fc.string({ maxLength: 50 }).map((text) => Buffer.from(`\ufeff${text}`)),
        ),
        (bytes) => {
          const path = join(dir, `f${file++}.json`)
          writeFileSync(path, bytes)
          if (bytes.every((byte) => byte < 0x80)) ascii++
          expect(readTextIfExists(path)).toBe(readFileSync(path, 'utf8'))
        },
      ),
      { seed: 20261201, numRuns: 500 },
    )
    expect(ascii).toBeGreaterThan(50)
  })

  it('is undefined for a missing file and names a folder in its error', () => {
    expect(readTextIfExists(join(dir, 'missing.json'))).toBeUndefined()
    const folder = join(dir, 'folder.json')
    mkdirSync(folder)
    expect(() => readTextIfExists(folder)).toThrow(/folder\.json/)
  })
})

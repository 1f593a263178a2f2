/**
 * `verify` on files written before split detection covered them: a key split across the records
 * of a stream stored as one text (or across stored events, or hidden by an escape in one record)
 * is flagged at its first piece; the same files as the write path now redacts them pass.
 * Generated (whole-text-streams.ts); one CLI run per folder.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { printRecording } from '../../src/format/file-text.js'
import type { RecordingFile } from '../../src/format/format.js'
import { redactRecording } from '../../src/privacy/redact-recording.js'
import { EVENT_KINDS, KINDS, recordingOfCase, type SplitCase, splitCasesOf } from './whole-text-streams.js'

const SEED = 20261204
const COUNT = 60
// Built by `npm test` before the suite starts.
const cli = join(import.meta.dirname, '../../dist/cli.js')
const dir = mkdtempSync(join(tmpdir(), 'fr-verify-split-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cases = fc
  .sample(splitCasesOf([...KINDS, ...EVENT_KINDS]), { seed: SEED, numRuns: COUNT })
  .map((one, nth) => ({ ...one, id: `c${nth}` }))

const fileOf = (one: SplitCase): RecordingFile => recordingOfCase(one, 'https://api.example.com/v1/x', one.id)

function verifyFolder(name: string, files: Map<string, RecordingFile>) {
  const folder = join(dir, name, '__recordings__')
  mkdirSync(folder, { recursive: true })
  for (const [id, file] of files) writeFileSync(join(folder, `${id}.json`), printRecording(file))
  const result = spawnSync(process.execPath, [cli, 'verify', '--json', join(dir, name)], { encoding: 'utf8' })
  return { code: result.status, out: result.stdout + result.stderr }
}

describe(`verify flags split keys in stored streams (${COUNT} generated files, seed ${SEED})`, () => {
  it('a file written without split detection is flagged at the first piece; the redacted one passes', () => {
    const byFormat = cases.filter((one) => !one.value)
    const raw = verifyFolder('raw', new Map(byFormat.map((one) => [one.id, fileOf(one)])))
    expect(raw.code, raw.out).toBe(1)
    const { findings } = JSON.parse(raw.out) as {
      findings: { file: string; line: number; rule: string; message: string }[]
    }
    const unflagged = byFormat.filter((one) => !findings.some((f) => f.file.endsWith(`/${one.id}.json`)))
    expect(unflagged.map((one) => `${one.id} ${one.kind}`)).toEqual([])
    const split = findings.filter((f) =>
      /split across \d+ strings of interactions\[0\]\.(request|response)\.body/.test(f.message),
    )
    expect(split.length).toBeGreaterThan(byFormat.length / 2)
    expect(findings.filter((f) => f.line <= 1)).toEqual([])
    for (const one of byFormat) expect(raw.out).not.toContain(one.key.slice(0, 12))

    const safe = verifyFolder(
      'redacted',
      new Map(cases.map((one) => [one.id, redactRecording(fileOf(one), one.value ? [one.key] : []).file])),
    )
    expect(safe.out).toMatch(/"findings": \[\]/)
    expect(safe.code).toBe(0)
  })
})

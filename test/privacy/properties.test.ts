import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { type LeakCase, leaksOf, ORDINARY, ORDINARY_ENV, sampleCases, startLeakApi } from './leak-cases.js'

const { ask } = createRequire(import.meta.url)('./fixtures/leak-client.cjs') as {
  ask: (
    leak: LeakCase,
    base: string,
    key: string,
  ) => Promise<{ status: number; header: string | null; text: string }>
}

const SEED = 20261201
const COUNT = 240
const cases = sampleCases(SEED, COUNT)
let api: Awaited<ReturnType<typeof startLeakApi>>
let dir: string
const testFile = () => join(dir, 'leaks.test.ts')

function everyByteOnDisk(folder: string): string {
  const all: Buffer[] = []
  const visit = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name)
      if (statSync(path).isDirectory()) visit(path)
      else all.push(readFileSync(path))
    }
  }
  visit(folder)
  // latin1: one character per byte, so a search finds any byte sequence as it is.
  return Buffer.concat(all).toString('latin1')
}

const envOf = (leak: LeakCase, key: string) =>
  leak.carrier.kind === 'env' ? { ...ORDINARY_ENV, [leak.carrier.name]: key } : { ...ORDINARY_ENV }

beforeAll(async () => {
  api = await startLeakApi(cases)
  // One folder for both tests (record, then replay): not core-helpers' per-test temp dir.
  dir = mkdtempSync(join(tmpdir(), 'fr-leaks-'))
})
afterAll(async () => {
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})

describe(`generated leaks: ${COUNT} cases (seed ${SEED}) of key formats × carriers × echoes`, () => {
  const recorded = new Map<string, { status: number; text: string }>()

  it('record: the test gets the real answer, and no form of any key reaches disk', async () => {
    for (const leak of cases) {
      // A fresh recorder per case: each must find its key on its own.
      const recorder = createRecorder({ mode: 'update', rootDir: dir, env: envOf(leak, leak.key) }).install()
      try {
        const run = recorder.startTest({ testFile: testFile(), testName: leak.id })
        const answer = await run.run(() => ask(leak, api.url, leak.key))
        expect(run.error(), leak.id).toBeUndefined()
        run.finish({ status: 'passed' })
        recorded.set(leak.id, answer)
        // Redaction never touches what the test gets while recording.
        if (leak.echo === 'json') expect(answer.text).toContain(leak.key)
      } finally {
        await recorder.dispose()
      }
    }
    const disk = everyByteOnDisk(dir)
    expect(disk.length).toBeGreaterThan(COUNT * 300)
    const leaked = cases
      .map((leak) => ({ leak, forms: leaksOf(leak, disk) }))
      .filter(({ forms }) => forms.length > 0)
      .map(
        ({ leak, forms }) =>
          `${leak.id} ${leak.format} ${JSON.stringify(leak.carrier)} ${leak.echo}: ${forms.length} form(s)`,
      )
    expect(leaked).toEqual([])
    const kinds = new Set(cases.map((leak) => `${leak.carrier.kind}/${leak.echo}`))
    // The sample covers the space, not a corner of it.
    expect(new Set(cases.map((leak) => leak.carrier.kind)).size).toBe(9)
    expect(new Set(cases.map((leak) => leak.echo)).size).toBe(13)
    expect(kinds.size).toBeGreaterThan(60)
  })

  it('replay with the key absent (a dummy in CI): every case matches, ordinary words intact', async () => {
    const before = api.requests()
    for (const leak of cases) {
      const recorder = createRecorder({
        mode: 'replay',
        rootDir: dir,
        env: envOf(leak, leak.dummy),
      }).install()
      try {
        const run = recorder.startTest({ testFile: testFile(), testName: leak.id })
        const answer = await run.run(() => ask(leak, api.url, leak.dummy))
        expect(run.error(), `${leak.id} ${JSON.stringify(leak.carrier)}`).toBeUndefined()
        run.finish({ status: 'passed' })
        const original = recorded.get(leak.id) as { status: number; text: string }
        expect(answer.status).toBe(original.status)
        if (leak.echo === 'none') expect(answer.text).toBe(original.text)
        if (leak.echo !== 'binary') expect(answer.text).toContain(ORDINARY)
        expect(answer.text).not.toContain(leak.key)
      } finally {
        await recorder.dispose()
      }
    }
    expect(api.requests()).toBe(before)
  })
})

/**
 * A key split across the records of a stream stored as one text, through the real Vitest: a
 * loopback API writes each generated body record by record (one write each), a fixture project
 * records it, and the files on disk must not hold the key in any form nor let a client assemble
 * it; a CI replay with the API unused then hands the test the recorded bytes with only the key
 * cut (every other byte as the server sent it).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wholeBody } from '../../src/format/body-codec.js'
import { VitestFixture } from '../support/vitest-fixture.js'
import { formsOf } from './leak-cases.js'
import {
  assembledText,
  bodyOf,
  KINDS,
  redactedBodyOf,
  type SplitCase,
  splitCases,
} from './whole-text-streams.js'

const SEED = 20261203
const PER_KIND = 3
const ENV_NAME = 'MY_SERVICE_TOKEN'

/** Cases by kind, a few each; a value-found key per run goes through the environment. */
function casesOf(): SplitCase[] {
  const all = fc.sample(splitCases, { seed: SEED, numRuns: 600 })
  const picked = KINDS.flatMap((kind) =>
    all.filter((one) => one.kind === kind && !one.value).slice(0, PER_KIND),
  )
  const byValue = all.find((one) => one.value && one.kind === 'ollama-go-escapes')
  return [...picked, ...(byValue ? [byValue] : [])].map((one, nth) => ({ ...one, id: `c${nth}` }))
}

const CASES = casesOf()
let server: Server
let base = ''
let served = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      served++
      const id = /^\/split\/(c\d+)$/.exec(req.url ?? '')?.[1]
      const found = CASES.find((one) => one.id === id)
      if (!found) return void res.writeHead(404).end()
      if (found.direction === 'request') {
        res.writeHead(200, { 'content-type': 'application/json' })
        return void res.end(
          JSON.stringify({ items: Buffer.concat(chunks).toString().split('\n').length - 1 }),
        )
      }
      res.writeHead(200, { 'content-type': found.contentType, 'cache-control': 'no-cache' })
      for (const record of found.records) {
        res.write(bodyOf([record]))
        await new Promise((resolve) => setImmediate(resolve))
      }
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** Timestamps and ids are normalized on disk and in replay (docs/ids.md): compared without them. */
const withoutIds = (text: string): string =>
  text.replace(/"created_at":"[^"]*"/g, '"created_at":"…"').replace(/"(id|messageId)":"[^"]*"/g, '"$1":"…"')

const TEST_FILE = `import { writeFileSync, mkdirSync } from 'node:fs'
import { expect, test } from 'vitest'
import cases from './cases.json'
const out = process.env.OUT_DIR
mkdirSync(out, { recursive: true })
for (const one of cases) {
  test(one.id, async () => {
    const init = one.direction === 'request'
      ? { method: 'POST', headers: { 'content-type': one.contentType }, body: one.body }
      : {}
    const res = await fetch(process.env.SPLIT_API + '/split/' + one.id, init)
    expect(res.status).toBe(200)
    writeFileSync(out + '/' + one.id + '.txt', await res.text())
  })
}
`

describe(`a split key in a whole-text stream through Vitest (${CASES.length} generated cases, ${KINDS.length} kinds, seed ${SEED})`, () => {
  it('record: no form of the key on disk, none assembled; CI replay: the recorded bytes with only the key cut', async () => {
    const publicCases = CASES.map((one) => ({
      id: one.id,
      direction: one.direction,
      contentType: one.contentType,
      ...(one.direction === 'request' ? { body: bodyOf(one.records) } : {}),
    }))
    const fixture = VitestFixture.create({
      'vitest.config.js': `import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({ plugins: [fetchRecordings()] })
`,
      'cases.json': JSON.stringify(publicCases),
      'split.test.js': TEST_FILE,
    })
    const valueKey = CASES.find((one) => one.value)?.key ?? 'unused'
    try {
      const record = await fixture.run([], {
        env: {
          SPLIT_API: base,
          OUT_DIR: fixture.path('out/record'),
          FETCH_RECORDINGS: 'new',
          [ENV_NAME]: valueKey,
        },
      })
      expect(record.code, record.output).toBe(0)
      const files = fixture.recordings()
      expect(files.length).toBe(CASES.length)
      const leaks: string[] = []
      for (const path of files) {
        const text = fixture.read(path)
        const stored = JSON.parse(text) as {
          test_id: string
          interactions: Record<'request' | 'response', { body?: unknown }>[]
        }
        const one = CASES.find((c) => stored.test_id.endsWith(` ${c.id}`)) as SplitCase
        const interaction = stored.interactions[0]
        const side = one.direction === 'request' ? interaction?.request : interaction?.response
        // A text/plain stream is kept as the pieces its client read (docs/format.md): one text.
        const body = wholeBody('text', side?.body)
        const name = `${one.id} ${one.kind}`
        if (typeof body !== 'string') leaks.push(`${name}: not stored as one text`)
        for (const form of formsOf(one.key).filter((f) => text.includes(f))) leaks.push(`${name}: ${form}`)
        if (assembledText(one.kind, String(body)).includes(one.key)) leaks.push(`${name}: assembled`)
        if (withoutIds(String(body)) !== withoutIds(redactedBodyOf(one.records)))
          leaks.push(`${name}: stored ${JSON.stringify(withoutIds(String(body)))}`)
      }
      expect(leaks).toEqual([])
      for (const one of CASES.filter((c) => c.direction === 'response'))
        expect(withoutIds(fixture.read(`out/record/${one.id}.txt`))).toBe(withoutIds(bodyOf(one.records)))
      const before = served
      const replay = await fixture.run([], {
        env: { SPLIT_API: base, OUT_DIR: fixture.path('out/replay'), CI: '1', [ENV_NAME]: 'dummy' },
      })
      expect(replay.code, replay.output).toBe(0)
      expect(served).toBe(before)
      for (const one of CASES.filter((c) => c.direction === 'response'))
        expect(withoutIds(fixture.read(`out/replay/${one.id}.txt`)), `${one.id} ${one.kind}`).toBe(
          withoutIds(redactedBodyOf(one.records)),
        )
    } finally {
      fixture.dispose()
    }
  }, 120_000)
})

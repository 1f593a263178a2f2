/**
 * A normalized id keeps the real one's shape (prefix, length, alphabet and case), so client
 * code that validates ids accepts it; it is deterministic (files stay byte-identical across
 * re-records, where the server mints other real ids of the same shape) and distinct for
 * distinct real ids. Generated over the shapes servers mint (fast-check; cases and seed in
 * each title). The stability of each shape across re-records is measured and printed.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IdMap, idRulesOf } from '../../src/ids/normalize-ids.js'

const SEED = 20261206
const RUNS = 500
const DIGITS = '0123456789'
const LOWER_HEX = `${DIGITS}abcdef`
const UPPER_HEX = `${DIGITS}ABCDEF`
const BASE62 = `${DIGITS}ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz`
const CROCKFORD = `${DIGITS}ABCDEFGHJKMNPQRSTVWXYZ`

/** One kind of id a server mints: the JSON field it comes in, a generator, what a validator checks. */
interface Shape {
  name: string
  field: string
  mint: (random: Buffer) => string
  valid: RegExp
}

const run = (alphabet: string, length: number) => (random: Buffer) =>
  Array.from({ length }, (_, i) => alphabet[(random[i] as number) % alphabet.length]).join('')
const escaped = (text: string) => text.replace(/[-]/g, '\\-')
const prefixed = (prefix: string, alphabet: string, pattern: string, length: number): Shape => ({
  name: `${prefix}${pattern}{${length}}`,
  field: 'id',
  mint: (random) => prefix + run(alphabet, length)(random),
  valid: new RegExp(`^${escaped(prefix)}${pattern}{${length}}$`),
})
const uuid = (version: string, upper: boolean): Shape => ({
  name: `uuid v${version}${upper ? ' (uppercase)' : ''}`,
  field: 'id',
  mint: (random) => {
    const hex = random.toString('hex').slice(0, 32)
    const text = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`
    return upper ? text.toUpperCase() : text
  },
  valid: new RegExp(`^[0-9a-f]{8}-[0-9a-f]{4}-${version}[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`),
})
/** 48 bits of milliseconds (this century: `01…`), then 80 random bits, Crockford base32. */
const ulid: Shape = {
  name: 'ulid',
  field: 'id',
  mint: (random) => {
    let time = 1_764_000_000_000 + (random.readUInt32BE(0) % 1_000_000_000)
    let head = ''
    for (let i = 0; i < 10; i++) {
      head = (CROCKFORD[time % 32] as string) + head
      time = Math.floor(time / 32)
    }
    return head + run(CROCKFORD, 16)(random.subarray(4))
  },
  valid: /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/,
}

const SHAPES: Shape[] = [
  ...[12, 16, 24, 32, 64].map((length) => ({ ...prefixed('', LOWER_HEX, '[0-9a-f]', length) })),
  { ...prefixed('', LOWER_HEX, '[0-9a-f]', 40), name: 'git commit sha in commit_id', field: 'commit_id' },
  { ...prefixed('', LOWER_HEX, '[0-9a-f]', 40), name: 'git sha in sha (a fields option)', field: 'sha' },
  prefixed('', UPPER_HEX, '[0-9A-F]', 32),
  ...[12, 16, 23, 29].map((length) => prefixed('', BASE62, '[A-Za-z0-9]', length)),
  uuid('4', false),
  uuid('7', false),
  { ...uuid('4', true), valid: /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/ },
  ulid,
  prefixed('chatcmpl-', BASE62, '[A-Za-z0-9]', 29),
  prefixed('msg_', BASE62, '[A-Za-z0-9]', 24),
  prefixed('file-', BASE62, '[A-Za-z0-9]', 22),
  prefixed('resp_', LOWER_HEX, '[0-9a-f]', 48),
  prefixed('call_', BASE62, '[A-Za-z0-9]', 24),
]

const rules = idRulesOf({ fields: ['sha'] })!
const NOW = Date.UTC(2026, 11, 1)
const TEST_ID = 'shaped > ids'

/** One response holding `values` at the shape's field, normalized by a fresh test attempt. */
function normalizeValues(shape: Shape, values: string[], ids = new IdMap(rules, TEST_ID)) {
  const text = values.map((value) => JSON.stringify({ [shape.field]: value })).join('\n')
  const out = ids.normalize(text, { position: 0, minted: {}, sent: '', now: NOW })
  return { ids, out: out.split('\n').map((line) => JSON.parse(line)[shape.field] as string) }
}

const randomBytes = fc.integer().map((seed) => createHash('sha512').update(String(seed)).digest())
const shapeCase = fc.record({
  shape: fc.constantFrom(...SHAPES),
  randoms: fc.array(randomBytes, { minLength: 1, maxLength: 8 }),
})

describe('a normalized id has the shape of the real one', () => {
  it(`prefix, length, alphabet and case, per shape (${RUNS} cases, seed ${SEED})`, () => {
    let normalizedCount = 0
    /** Hex that came out all digits reads as a number, not an id: left alone (docs/ids.md). */
    let leftAlone = 0
    fc.assert(
      fc.property(shapeCase, ({ shape, randoms }) => {
        const reals = [...new Set(randoms.map(shape.mint))]
        const { ids, out } = normalizeValues(shape, reals)
        reals.forEach((real, index) => {
          const normalized = out[index] as string
          const label = `${shape.name}: ${real} → ${normalized}`
          expect(real, label).toMatch(shape.valid)
          if (normalized === real && /^\d+$/.test(real)) {
            leftAlone++
            return
          }
          expect(normalized, label).not.toBe(real)
          expect(normalized, label).toMatch(shape.valid)
          expect(normalized.length, label).toBe(real.length)
          // The real one is what a later request of the test gets back to the server.
          expect(ids.restore(JSON.stringify({ x: `/v1/${normalized}` })), label).toBe(
            JSON.stringify({ x: `/v1/${real}` }),
          )
          normalizedCount++
        })
        // Distinct real ids, distinct normalized ones (a later request swaps each back).
        expect(new Set(out).size).toBe(reals.length)
        // Deterministic: another attempt of the test normalizes the same text the same way.
        expect(normalizeValues(shape, reals).out).toEqual(out)
      }),
      { seed: SEED, numRuns: RUNS },
    )
    expect(normalizedCount).toBeGreaterThan(RUNS)
    expect(leftAlone).toBeLessThan(normalizedCount / 100)
  })

  it(`stays the same across re-records, where the server mints other ids of the same shape (seed ${SEED + 1})`, () => {
    const samples = 300
    const report: string[] = []
    for (const shape of SHAPES) {
      const randoms = fc.sample(fc.tuple(randomBytes, randomBytes), { seed: SEED + 1, numRuns: samples })
      let same = 0
      for (const [first, second] of randoms) {
        const once = normalizeValues(shape, [shape.mint(first)]).out[0]
        const again = normalizeValues(shape, [shape.mint(second)]).out[0]
        if (once === again) same++
      }
      report.push(`${shape.name}: ${((100 * same) / samples).toFixed(2)} %`)
      // Only a short base62 id can lack a letter case by chance (2 x (36/62)^12 = 0.3 % at 12), or
      // hex all digits, a number left alone ((10/16)^12 = 0.4 %).
      expect(same / samples, shape.name).toBeGreaterThanOrEqual(shape.name.includes('{12}') ? 0.98 : 0.995)
    }
    console.log(`re-record stability per shape (${samples} pairs each):\n  ${report.join('\n  ')}`)
  })

  it("OpenAI's system_fingerprint normalizes alike whether its 10 hex digits hold a letter or not", () => {
    const shape: Shape = {
      name: 'fp',
      field: 'system_fingerprint',
      mint: () => '',
      valid: /^fp_[0-9a-f]{10}$/,
    }
    // An all-digit one reads as a number after its prefix: found by its field, as hex.
    const [hex, digits] = [['fp_44709d6fcb'], ['fp_3058146269']].map(
      (values) => normalizeValues(shape, values).out[0],
    )
    expect(hex).toMatch(shape.valid)
    expect(digits).toBe(hex)
  })

  it('leaves ids normalized by older versions (`…rec` + 12 hex, `00000000-0000-4000-8000-…`) as they are', () => {
    const old = ['chatcmpl-rec3f9a1c2b4d5e', '00000000-0000-4000-8000-3f9a1c2b4d5e', 'file-rec0123456789ab']
    const shape: Shape = { name: 'old', field: 'id', mint: () => '', valid: /./ }
    expect(normalizeValues(shape, old).out).toEqual(old)
  })
})

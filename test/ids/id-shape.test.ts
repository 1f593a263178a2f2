/**
 * Ids versus data that looks like ids, generated with fast-check: names people write (tool
 * names, model names, versions, words with an id's prefix) are never rewritten; ids servers
 * mint (random letters and digits, hex, uuids, base64url) always are. Seeds are fixed so a
 * failure replays; the number of cases is in each property.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_ID_PREFIXES, IdMap, idRulesOf } from '../../src/ids/normalize-ids.js'

const SEED = 20261201
const RUNS = 2000
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('')
const B64URL = [...ALNUM, '-', '_']
const HEX = '0123456789abcdef'.split('')

const consonants = fc.stringMatching(/^[bcdfghjklmnpqrstvwxz]{0,2}$/)
const syllable = fc
  .tuple(consonants, fc.constantFrom(...'aeiouy'.split('')), consonants)
  .map((parts) => parts.join(''))
/** Pronounceable words (English has at most 5 consonants in a row: "lengths"). */
const word = fc
  .array(syllable, { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join(''))
  .filter((w) => w.length >= 2)
const capitalized = fc.oneof(
  word.filter((w) => w.length >= 3).map((w) => w[0]?.toUpperCase() + w.slice(1)),
  fc.constantFrom('Id', 'Is', 'Of', 'To', 'By', 'At', 'On', 'In', 'Ok', 'Ai', 'Db', 'Ui'),
)
const version = fc.oneof(
  fc.integer({ min: 0, max: 9999 }).map(String),
  fc.integer({ min: 1, max: 99 }).map((n) => `v${n}`),
  fc.constantFrom('4o', '70b', '8x7b', '20241022', '2024', '08', 'o1', 'mini'),
)
/** snake_case, kebab-case, camelCase and PascalCase names, with versions here and there. */
const name = fc.oneof(
  fc.array(fc.oneof(word, word, version), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('_')),
  fc.array(fc.oneof(word, version), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('-')),
  fc.tuple(word, fc.array(capitalized, { minLength: 0, maxLength: 3 })).map(([h, t]) => h + t.join('')),
  fc.array(capitalized, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('')),
  fc.tuple(word, fc.integer({ min: 0, max: 99 })).map(([w, n]) => `${w}${n}`),
)
/** How model ids and other names in `id` fields look: lowercase words and versions. */
const slug = fc
  .array(
    fc.oneof(
      word,
      version,
      capitalized.filter((c) => c.length > 2),
    ),
    { minLength: 1, maxLength: 5 },
  )
  .chain((parts) => fc.constantFrom('-', '_').map((sep) => parts.join(sep)))
const prefix = fc.constantFrom(...DEFAULT_ID_PREFIXES)
/** As servers mint them: from random bytes (fast-check's own strings lean to `aaaa…`, which no server sends). */
const randomOf = (chars: string[], min: number, max: number) =>
  fc.tuple(fc.integer(), fc.integer({ min, max })).map(([seed, length]) => {
    const bytes = createHash('sha512').update(String(seed)).digest()
    return Array.from({ length }, (_, i) => chars[(bytes[i] ?? 0) % chars.length]).join('')
  })
/** What servers mint: OpenAI/Anthropic alnum, hex (Responses, Mistral), uuids (Cohere), base64url (Gemini). */
const mintedTail = fc.oneof(randomOf(ALNUM, 16, 40), randomOf(HEX, 24, 48))
const mintedValue = fc.oneof(
  fc.tuple(prefix, mintedTail).map(([p, t]) => p + t),
  fc.uuid({ version: 4 }),
  randomOf(B64URL, 20, 27),
  randomOf(HEX, 32, 32),
)

function normalizeOnce(text: string, sent = ''): string {
  const map = new IdMap(idRulesOf(true)!, 'shape > test')
  return map.normalize(text, { position: 0, minted: {}, sent, now: Date.UTC(2026, 11, 1) })
}

describe('what an id looks like', () => {
  it(`names with an id's prefix are left alone in names and text (${RUNS} cases, seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          prefix.chain((p) => name.map((n) => p + n)),
          name,
        ),
        (value) => {
          const json = JSON.stringify({ name: value, tool: { name: value }, text: `use ${value} now` })
          expect(normalizeOnce(json)).toBe(json)
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`slugs in id fields are left alone: model ids, versions (${RUNS} cases, seed ${SEED + 2})`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          prefix.chain((p) => slug.map((n) => p + n)),
          slug,
        ),
        (value) => {
          const json = JSON.stringify({ id: value, model_id: value, modelId: value })
          expect(normalizeOnce(json)).toBe(json)
        },
      ),
      { seed: SEED + 2, numRuns: RUNS },
    )
  })

  it(`minted ids in id fields and in free text are rewritten (${RUNS} cases, seed ${SEED + 1})`, () => {
    let unprefixed = 0
    fc.assert(
      fc.property(mintedValue, (value) => {
        // In free text only a known prefix marks an id; in id fields the shape is enough.
        const prefixed = DEFAULT_ID_PREFIXES.some((p) => value.startsWith(p))
        const text = prefixed ? `see ${value}` : 'see the docs'
        const json = JSON.stringify({ id: value, responseId: value, previous_response_id: value, text })
        const out = normalizeOnce(json)
        expect(out).not.toContain(value)
        const parsed = JSON.parse(out)
        // The normalized id has the real one's shape: its length, prefix and kind of characters.
        expect(parsed.id).toHaveLength(value.length)
        expect(parsed.id).toMatch(/^[A-Za-z0-9_-]+$/)
        // One real id, one normalized id, everywhere it appears.
        expect(new Set([parsed.id, parsed.responseId, parsed.previous_response_id]).size).toBe(1)
        if (!prefixed) unprefixed++
      }),
      { seed: SEED + 1, numRuns: RUNS },
    )
    expect(unprefixed).toBeGreaterThan(RUNS / 4)
  })

  it('keeps known prefixes and uuid shape; drops a random prefix-like start', () => {
    const out = JSON.parse(
      normalizeOnce(
        JSON.stringify({
          id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
          generation_id: '3b241101-e2bb-4255-8caf-4136c566a962',
          responseId: 'Kcz_7IPp9-2AEY8DcaNqpLx',
        }),
      ),
    )
    expect(out.id).toMatch(/^msg_[A-Za-z0-9]{24}$/)
    expect(out.id).not.toBe('msg_01XFDUDYJgAACzvnptvVoYEL')
    expect(out.generation_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(out.generation_id).not.toBe('3b241101-e2bb-4255-8caf-4136c566a962')
    // `Kcz` is random, not a prefix: nothing of it is kept; its `-` and `_` fall at random places.
    expect(out.responseId).toMatch(/^[A-Za-z0-9]{23}$/)
    expect(out.responseId.startsWith('Kcz')).toBe(false)
  })

  it('leaves values the client sent alone, even id-shaped ones', () => {
    const mine = 'call_A1b2C3d4E5f6G7h8'
    const json = JSON.stringify({ tool_call_id: mine, id: 'chatcmpl-Zz9Yy8Xx7Ww6Vv5Uu4' })
    const out = JSON.parse(normalizeOnce(json, JSON.stringify({ messages: [{ tool_call_id: mine }] })))
    expect(out.tool_call_id).toBe(mine)
    expect(out.id).toMatch(/^chatcmpl-[A-Za-z0-9]{18}$/)
    expect(out.id).not.toBe('chatcmpl-Zz9Yy8Xx7Ww6Vv5Uu4')
  })

  it('fixes creation times, keeps expiries, and fixes provider timings and padding', () => {
    const now = Date.UTC(2026, 11, 1) / 1000
    const json = [
      JSON.stringify({ created: now - 3, expires_at: now + 600, created_at: '2026-12-01T00:00:01.12345Z' }),
      JSON.stringify({ expireTime: '2026-12-02T00:00:00Z', createTime: '2026-11-30T23:59:59Z' }),
      JSON.stringify({
        total_duration: 123456789,
        eval_duration: 987,
        queue_time: 0.0123,
        obfuscation: 'xYz9',
      }),
    ].join('\n')
    const [a, b, c] = normalizeOnce(json)
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(a).toEqual({
      created: 1_700_000_000,
      expires_at: now + 600,
      created_at: '2023-11-14T22:13:20.000Z',
    })
    expect(b).toEqual({ expireTime: '2026-12-02T00:00:00Z', createTime: '2023-11-14T22:13:20Z' })
    expect(c).toEqual({
      total_duration: 1_000_000,
      eval_duration: 1_000_000,
      queue_time: 0.001,
      obfuscation: '',
    })
  })

  it('mints in the same order however the network cut the text', () => {
    const lines = [
      'data: {"text":"see file-Ab12Cd34Ef56Gh78"}',
      '',
      'data: {"id":"chatcmpl-Zz9Yy8Xx7Ww6Vv5Uu4"}',
      '',
    ]
    const whole = new IdMap(idRulesOf(true)!, 't').normalize(lines.join('\n'), { position: 0, minted: {} })
    const map = new IdMap(idRulesOf(true)!, 't')
    const context = { position: 0, minted: {} }
    const pieces = lines.map((line) => map.normalize(line, context))
    expect(pieces.join('\n')).toBe(whole)
  })
})

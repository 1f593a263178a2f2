/**
 * The prefilter in front of the token formats (mayHoldToken) may only ever say "no" to strings
 * no format matches: generated strings of every format, embedded in generated text, must pass
 * it and be found, and every match of a format holds one of that format's anchors.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findTokens, mayHoldToken, TOKEN_FORMATS } from '../../src/privacy/token-formats.js'

const SEED = 20261201
const RUNS = 200

describe('token prefilter', () => {
  it.each(TOKEN_FORMATS.map((format) => [format.id, format] as const))(
    'lets every generated %s through, inside any surrounding text',
    (_id, format) => {
      const source = new RegExp(`^(?:${format.pattern.source.replace(/\(\?<(?:secret)>/g, '(?:')})$`)
      // Lookarounds cannot be generated: strip them, then check the result against the real pattern.
      const generable = new RegExp(source.source.replace(/\(\?<?[=!][^)]*\)/g, '').replace(/\\b/g, ''))
      let found = 0
      fc.assert(
        fc.property(
          fc.stringMatching(generable),
          fc.string({ maxLength: 30 }),
          fc.string({ maxLength: 30 }),
          (token, before, after) => {
            const text = `${before} ${token} ${after}`
            const matches = TOKEN_FORMATS.some((f) => {
              f.pattern.lastIndex = 0
              return new RegExp(f.pattern.source).test(text)
            })
            if (!matches) return
            found++
            expect(mayHoldToken(text)).toBe(true)
            // Each format's own anchors: a match of the format holds one of them.
            for (const match of text.matchAll(new RegExp(format.pattern.source, 'g')))
              expect(format.anchors.some((anchor) => match[0].includes(anchor))).toBe(true)
          },
        ),
        { seed: SEED, numRuns: RUNS },
      )
      expect(found).toBeGreaterThan(0)
    },
  )

  it('says no to prose and ordinary JSON, so they skip the patterns', () => {
    expect(mayHoldToken('the quick brown fox jumps over a lazy dog, again and again')).toBe(false)
    expect(mayHoldToken('{"role":"user","content":"hello there","temperature":0}')).toBe(false)
    expect(findTokens('Authorization: Bearer sk-proj-abcdefghijklmnop1234567890')).not.toHaveLength(0)
  })
})

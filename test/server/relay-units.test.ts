/**
 * The relay's two small formats, over generated inputs: the attribution header (what any
 * client can send an app) and the event frames (what TCP may cut anywhere).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameReader, frameOf } from '../../src/transports/relay/frames.js'
import { encodeTag, parseTag } from '../../src/transports/relay/header.js'

const SEED = 20261201
const RUNS = 500

const hex = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((bytes) => Buffer.from(bytes).toString('hex'))

describe('attribution header', () => {
  it(`a tag survives the header, and nothing parses to a relay off 127.0.0.1 (${RUNS} cases each, seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), hex(8, 64), hex(8, 64), (port, token, test) => {
        const tag = { relay: `127.0.0.1:${port}`, token, test }
        expect(parseTag(encodeTag(tag))).toEqual({ tag })
      }),
      { seed: SEED, numRuns: RUNS },
    )
    const relayish = fc.oneof(
      fc.string(),
      fc.constantFrom(
        '127.0.0.1:0',
        '127.0.0.1:65536',
        '127.0.0.2:80',
        'localhost:80',
        '[::1]:80',
        '10.0.0.1:80',
      ),
      fc.tuple(fc.string(), fc.integer()).map(([host, port]) => `${host}:${port}`),
    )
    fc.assert(
      fc.property(fc.string(), relayish, fc.string(), (version, relay, rest) => {
        const parsed = parseTag(
          `${version};relay=${relay};token=${'a'.repeat(64)};test=${'b'.repeat(32)};${rest}`,
        )
        if (parsed && 'tag' in parsed) {
          expect(parsed.tag.relay).toMatch(/^127\.0\.0\.1:\d+$/)
          expect(Number(parsed.tag.relay.split(':')[1])).toBeLessThanOrEqual(65535)
        }
      }),
      { seed: SEED + 1, numRuns: RUNS },
    )
  })
})

describe('event frames', () => {
  it(`events cut anywhere by the socket come back whole and in order (${RUNS} cases, seed ${SEED + 2})`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }),
        (events, cuts) => {
          const wire = Buffer.concat(events.map((event) => frameOf(Buffer.from(event))))
          const reader = new FrameReader()
          const out: Buffer[] = []
          for (let at = 0, i = 0; at < wire.length; i++) {
            const size = cuts[i % cuts.length] as number
            out.push(...reader.push(wire.subarray(at, at + size)))
            at += size
          }
          expect(out.map((frame) => Buffer.from(frame).toString('hex'))).toEqual(
            events.map((event) => Buffer.from(event).toString('hex')),
          )
          expect(reader.incomplete).toBe(false)
        },
      ),
      { seed: SEED + 2, numRuns: RUNS },
    )
  })
})

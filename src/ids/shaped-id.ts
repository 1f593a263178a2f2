/**
 * A normalized id with the shape of the real one, so client code that validates ids (a git
 * sha as `/^[0-9a-f]{40}$/`, a `file-` prefix, a uuid, a ulid) accepts the replayed value:
 * the same known prefix, the same length, and characters of the same alphabet and case.
 *
 * Determinism across re-records decides what "shape" may take from the real id: only what
 * every id of one generator shares (prefix, length, which letter cases it uses, a uuid's version
 * and case), never where its digits or separators fall (random for each id: a re-record would
 * change the file). So the replacement draws from the smallest alphabet every generator of
 * that shape contains: no letters → digits; lowercase only → lowercase hex (a hex sha, and
 * valid base36); uppercase only → uppercase hex (valid Crockford base32, as ulids are); both
 * cases → base62 (valid base64url). A 26-character uppercase id starts with 0-7, as a ulid must;
 * a uuid (after its prefix, if any) stays a uuid of its version.
 */
import { createHash } from 'node:crypto'
import { isUuid } from './id-shape.js'

const DIGITS = '0123456789'
const LOWER_HEX = '0123456789abcdef'
const UPPER_HEX = '0123456789ABCDEF'
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
/** A ulid's first character holds the top 3 bits of its 48-bit time. */
const ULID_LENGTH = 26
const ULID_FIRST = '01234567'

/**
 * `seed` makes it deterministic (the same seed, the same replacement for ids of one shape);
 * `hex`: the id is known to be lowercase hex even when this one came out all digits.
 */
export function shapedId(real: string, prefix: string, seed: string, hex = false): string {
  const random = randomBytes(seed, real.length)
  const body = real.slice(prefix.length)
  // Groq's `chatcmpl-` is followed by a uuid: it stays one.
  if (isUuid(body)) return `${prefix}${shapedUuid(body, random)}`
  const alphabet = hex && /^[0-9a-f]*$/.test(body) ? LOWER_HEX : alphabetOf(body)
  let out = ''
  for (let at = 0; at < body.length; at++) {
    const chars = at === 0 && body.length === ULID_LENGTH && alphabet === UPPER_HEX ? ULID_FIRST : alphabet
    out += chars[(random[at] as number) % chars.length]
  }
  return `${prefix}${out}`
}

function alphabetOf(body: string): string {
  const lower = /[a-z]/.test(body)
  const upper = /[A-Z]/.test(body)
  if (lower && upper) return BASE62
  if (lower) return LOWER_HEX
  if (upper) return UPPER_HEX
  return DIGITS
}

/** Hex in the real one's case; its version kept (a v7 stays a v7); the RFC 4122 variant. */
function shapedUuid(real: string, random: Buffer): string {
  const hex = /[A-F]/.test(real) && !/[a-f]/.test(real) ? UPPER_HEX : LOWER_HEX
  let out = ''
  for (let at = 0; at < real.length; at++) {
    const char = real[at] as string
    if (char === '-' || at === 14) out += char
    else if (at === 19) out += '8'
    else out += hex[(random[at] as number) % 16]
  }
  return out
}

/** One SHA-512 per 64 characters: ids are rarely longer, so one hash per id, as before shapes. */
function randomBytes(seed: string, length: number): Buffer {
  const first = createHash('sha512').update(seed).digest()
  if (length <= first.length) return first
  const blocks = [first]
  for (let block = 1; block * 64 < length; block++)
    blocks.push(createHash('sha512').update(`${seed}\0${block}`).digest())
  return Buffer.concat(blocks)
}

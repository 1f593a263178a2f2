/**
 * Whether a value, seen without a telling name (a header of unknown purpose, an environment
 * variable), is a credential. Wrong in one direction redacts ordinary words across every
 * answer (`DB_PASSWORD=password`); in the other it leaves a key on disk. So: a known token
 * format, or a long random-looking run of token characters. Never a URL or a word.
 */
import { isKnownTokenFormat } from './token-formats.js'

/** Shorter values are ordinary words too often to be searched for across a whole recording. */
export const MIN_SEARCHED_LENGTH = 8

/**
 * Whether a value found at a credential's place (a named header, field or parameter) is also
 * searched for across the whole recording. Removed at its place it is anyway; searching for a
 * short value or a plain word (`localdev`, `assistant`) would edit ordinary text of answers.
 */
export function isSearchable(value: string): boolean {
  return (
    value.length >= MIN_SEARCHED_LENGTH && !/^[a-z]+(?:[-_ .][a-z]+)*$/i.test(value) && !/^\d+$/.test(value)
  )
}

export function looksLikeCredential(value: string): boolean {
  if (value.length < MIN_SEARCHED_LENGTH || value.length > 4096) return false
  if (isKnownTokenFormat(value)) return true
  if (value.length < 16 || /\s/.test(value) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false
  if (isHostOrAuthority(value)) return false
  if (!/^[A-Za-z0-9_\-.~+/=:]+$/.test(value)) return false
  return characterClasses(value) >= 2 && !/^[a-z]+(?:[-_.][a-z]+)*$/i.test(value) && distinct(value) >= 8
}

/**
 * A host name or an authority (`api.example.com:8443`, `bedrock-runtime.us-east-1.amazonaws.com`,
 * `ollama-host:11434`): digits in its labels give it a token's character mix, but it names a
 * server. Lower case only, as hosts are written: a dotted run of mixed-case characters is a
 * token's shape, not a host's.
 */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]\.?(?::\d{1,5})?$/
const NAME_AND_PORT = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?:\d{1,5}$/

export function isHostOrAuthority(value: string): boolean {
  return HOST.test(value) || NAME_AND_PORT.test(value)
}

function characterClasses(value: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/].filter((pattern) => pattern.test(value)).length
}

function distinct(value: string): number {
  return new Set(value).size
}

/**
 * Whether a string under an ambiguous short name (`pass`, `auth`, `pin`, `cookie`, `pwd`)
 * could be its credential: anything but a plain word or phrase (`oauth`, `first pass`, `yes`),
 * a path (`pwd`'s `/home/me`), a URL without a password, or fewer than 4 characters. A PIN
 * (`4821`), a code, a `user:password` base64 and a cookie (`sid=…`) all are.
 */
export function couldBeCredential(value: string): boolean {
  if (value.length < 4 || value.length > 65_536) return false
  if (/^[a-z]+(?:[-_ .,][a-z]+)*$/i.test(value)) return false
  if (/^(?:\.{0,2}|~)\//.test(value)) return false
  return !/^[a-z][a-z0-9+.-]*:\/\/[^@\s]*$/i.test(value)
}

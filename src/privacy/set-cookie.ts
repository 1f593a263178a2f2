/**
 * `set-cookie` lines are stored (a client that logs in and sends its cookie back needs them on
 * replay), each cookie's name and attributes as sent, its value replaced when it could be a
 * credential. The judgement is the one for a string under an ambiguous short name such as
 * `cookie` (credential-values.ts `couldBeCredential`): `sid=4f9…; Path=/; HttpOnly` becomes
 * `sid=[redacted]; Path=/; HttpOnly`; `theme=dark`, `lang=en-US` and `a=1` stay.
 */
import { couldBeCredential } from './credential-values.js'
import { REDACTED } from './placeholder.js'

export const SET_COOKIE = 'set-cookie'

/** The cookie's value in a set-cookie line, when it could be a credential. */
export function cookieCredential(line: string): string | undefined {
  const { value } = splitCookie(line)
  return value !== REDACTED && couldBeCredential(value) ? value : undefined
}

/** The line with its cookie's value replaced when it could be a credential (added to `found`). */
export function redactSetCookie(line: string, found: Set<string>): string {
  const value = cookieCredential(line)
  if (value === undefined) return line
  found.add(value)
  const { name, attributes } = splitCookie(line)
  return `${name === '' ? '' : `${name}=`}${REDACTED}${attributes}`
}

/** `name=value; Attr=…` → its parts (RFC 6265: the first `=` of the first `;`-piece splits). */
function splitCookie(line: string): { name: string; value: string; attributes: string } {
  const end = line.indexOf(';')
  const pair = end < 0 ? line : line.slice(0, end)
  const attributes = end < 0 ? '' : line.slice(end)
  const equals = pair.indexOf('=')
  if (equals < 0) return { name: '', value: pair.trim(), attributes }
  return { name: pair.slice(0, equals).trim(), value: pair.slice(equals + 1).trim(), attributes }
}

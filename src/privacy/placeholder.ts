/**
 * What a credential becomes on disk, and so what a replay hands the test in its place: one
 * fixed string, the same on every run, so a re-record of the same traffic is byte-identical.
 */
export const REDACTED = '[redacted]'

/**
 * The placeholder as the write path leaves it, alone or where a credential stood inside a
 * value: after a scheme word (`Basic [redacted]`, `Bearer [redacted]`) or a name
 * (`sid=[redacted]`). Nothing of a credential is left in it.
 */
const REDACTED_VALUE = /^(?:[A-Za-z][\w.-]*\s+)?(?:[\w.-]+=)?\[redacted\]$/

export function isRedactedValue(value: string): boolean {
  return value === REDACTED || REDACTED_VALUE.test(value)
}

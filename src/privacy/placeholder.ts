/**
 * What a credential becomes on disk, and so what a replay hands the test in its place: one
 * fixed string, the same on every run, so a re-record of the same traffic is byte-identical.
 */
export const REDACTED = '[redacted]'

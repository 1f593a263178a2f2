/** What a recording did in a run, as workers report it (recording.ts makes it, report/ reads it). */

export type TestStatus = 'passed' | 'failed' | 'skipped'

/** What a recording did in a run; sent from workers to the reporter. Plain data. */
export interface RecordingOutcome {
  testId: string
  testFile: string
  /** Empty for the file-level recording. */
  testName: string
  /** The name with the run's secrets redacted, when that differs: what reports and logs show. */
  shownName?: string
  path: string
  status: TestStatus
  replayed: number
  recorded: number
  /** What happened to the file: created, updated, removed, or untouched. */
  change: 'created' | 'updated' | 'removed' | 'none'
  /** Entries a passed test did not use (in update mode they are removed instead). */
  staleEntries: number
  /** prune mode: positions of those entries (of `entries` loaded), for the reporter to delete on a full run. */
  unused?: { positions: number[]; entries: number }
  /** How many secret values were found in the content and redacted before writing. */
  redactions: number
  /** Requests of the last attempt that found no recorded answer (replay and prune). */
  misses?: number
  /** The file did not load (why, in a line) and update mode wrote the new recording over it. */
  replaced?: string
  /** Interactions a failed test recorded in `new` (or `update`) mode, not written (keepFailedRecordings). */
  discarded?: number
  /**
   * update mode, failed test: the file was left as it was, and why (the first error answer it
   * re-recorded). Said in the summary: a re-record during an outage must not look like a success.
   */
  kept?: string
  /** Requests that reached the network while recording and of which nothing could be stored. */
  unrecorded?: { request: string; reason: string }[]
  /** Hosts of connections no transport saw (one entry per connection; new/update mode). */
  bypassed?: string[]
}

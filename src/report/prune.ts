/**
 * prune mode's deletions, done by the reporter once the whole run has said what is stale:
 * unused entries of passed tests go from their files (a file left empty goes too). The workers
 * only name the positions (RecordingOutcome.unusedPositions); nothing is re-recorded.
 */
import { readTextIfExists, removeFile, writeTextAtomic } from '../files/storage.js'
import { parseRecordingText, printRecording } from '../format/file-text.js'
import { credentialsOfEnvironment } from '../privacy/environment.js'
import { redactRecording } from '../privacy/redact-recording.js'

export type PruneResult = 'pruned' | 'removed' | 'changed'

/**
 * Removes the entries at `positions` from the recording at `path`. `expectedEntries` is how
 * many the worker saw: a file changed since (another run, a hand edit) is left alone.
 */
export function pruneEntries(
  path: string,
  positions: readonly number[],
  expectedEntries: number,
): PruneResult {
  const text = readTextIfExists(path)
  if (text === undefined) return 'changed'
  const file = parseRecordingText(text, path)
  if (file.interactions.length !== expectedEntries) return 'changed'
  const unused = new Set(positions)
  const kept = file.interactions.filter((_, position) => !unused.has(position))
  if (kept.length === 0) {
    removeFile(path)
    return 'removed'
  }
  // A rewrite is a write like any other: nothing a hand edit planted survives it.
  const safe = redactRecording({ ...file, interactions: kept }, credentialsOfEnvironment(process.env))
  writeTextAtomic(path, printRecording(safe.file))
  return 'pruned'
}

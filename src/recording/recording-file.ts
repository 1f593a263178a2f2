/**
 * Reading one recording file for a Recording: its interactions, or why it cannot be used. The
 * text of a file that reads but does not parse comes along: update mode writes over it.
 */
import { basename } from 'node:path'
import { RecordingError } from '../errors.js'
import { readTextIfExists } from '../files/storage.js'
import { parseRecordingText } from '../format/file-text.js'
import type { Interaction } from '../format/format.js'

export type FileRead =
  | { interactions: Interaction[]; text: string | undefined }
  | { error: RecordingError; text: string | undefined }

/**
 * The test a recording is read for, to refuse a file holding another test's recording (copied
 * or renamed by hand): `test_id` must name a test of the same name in a test file of the same
 * name. Not the whole path: the root it is relative to differs between runners and workspaces.
 */
export interface FileOwner {
  testId: string
  /** The run's redaction: a name with a credential is stored redacted. */
  shown(text: string): string
}

/** No file is an empty recording; a folder or an unreadable file comes back with no text. */
export function readRecordingFile(path: string, owner?: FileOwner): FileRead {
  let text: string | undefined
  try {
    text = readTextIfExists(path)
    if (text === undefined) return { interactions: [], text }
    const file = parseRecordingText(text, path)
    if (owner) checkOwner(file.test_id, owner, path)
    return { interactions: file.interactions, text }
  } catch (error) {
    return { error: error as RecordingError, text }
  }
}

function checkOwner(stored: string, owner: FileOwner, path: string): void {
  const [storedFile, storedName] = splitTestId(stored)
  const [ownFile, ownName] = splitTestId(owner.testId)
  const sameFile = basename(storedFile) === basename(ownFile)
  if (sameFile && owner.shown(storedName) === owner.shown(ownName)) return
  throw new RecordingError(
    'RECORDING_INVALID_FORMAT',
    `${path}: "test_id" is ${JSON.stringify(owner.shown(stored))}, the recording of another test than ${JSON.stringify(owner.shown(owner.testId))}, which reads this file (copied or renamed by hand?). Move it back to that test's recording, set "test_id" to ${JSON.stringify(owner.shown(owner.testId))} if it is meant for this test, or delete it and re-record with UPDATE_RECORDINGS=1.`,
  )
}

/** `tests/a.test.ts > describe > test` → the file and the test's name ('' for the file-level one). */
function splitTestId(testId: string): [file: string, name: string] {
  const at = testId.indexOf(' > ')
  return at < 0 ? [testId, ''] : [testId.slice(0, at), testId.slice(at + 3)]
}

/** The load error of a file whose requests are too deep to key (a RangeError). */
export function tooDeep(path: string, error: RangeError): RecordingError {
  return new RecordingError(
    'RECORDING_INVALID_FORMAT',
    `${path}: a request is nested too deeply to be matched (${error.message}). Delete the file and re-record with UPDATE_RECORDINGS=1.`,
    { cause: error },
  )
}

/** Why a file did not load, in a line for the summary: without prefix, file name and fix. */
export function unloadableReason(error: RecordingError, path: string): string {
  let message = error.message.replace('[fetch-recordings] ', '')
  if (message.startsWith(path)) message = message.slice(path.length).replace(/^:\s*/, '')
  message = message.replace(/^(\d+):(\d+) /, 'line $1, column $2: ')
  return message.split(/\. (?:Fix|Delete)/)[0] ?? message
}

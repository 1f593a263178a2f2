/**
 * Reading one recording file for a Recording: its interactions, or why it cannot be used. The
 * text of a file that reads but does not parse comes along: update mode writes over it.
 */
import { RecordingError } from '../errors.js'
import { readTextIfExists } from '../files/storage.js'
import { parseRecordingText } from '../format/file-text.js'
import type { Interaction } from '../format/format.js'

export type FileRead =
  | { interactions: Interaction[]; text: string | undefined }
  | { error: RecordingError; text: string | undefined }

/** No file is an empty recording; a folder or an unreadable file comes back with no text. */
export function readRecordingFile(path: string): FileRead {
  let text: string | undefined
  try {
    text = readTextIfExists(path)
    return { interactions: text === undefined ? [] : parseRecordingText(text, path).interactions, text }
  } catch (error) {
    return { error: error as RecordingError, text }
  }
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

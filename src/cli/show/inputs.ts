/** Which recording files an argument of `show` names. */
import { statSync } from 'node:fs'
import { RecordingError } from '../../errors.js'
import { findRecordingFiles } from '../../files/find-recordings.js'
import { recordingsFolderOf } from '../../files/paths.js'
import { isFolder, listRecordingFiles } from '../../files/storage.js'

/** A recording (.json), a folder searched for `__recordings__`, or a test file's own folder. */
export function recordingFilesOf(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (!stat)
    throw new RecordingError(
      'INVALID_OPTION',
      `show: ${path} does not exist. Give a recording file, a folder or a test file.`,
    )
  if (stat.isDirectory()) {
    const found = findRecordingFiles([path])
    // A folder of recordings that is not under a `__recordings__` name (copied elsewhere).
    return found.length > 0 ? found : listRecordingFiles(path)
  }
  if (path.endsWith('.json')) return [path]
  const folder = recordingsFolderOf(path)
  if (!isFolder(folder)) {
    throw new RecordingError(
      'INVALID_OPTION',
      `show: ${path} has no recordings (looked in ${folder}). Run its tests once to record them, or name a recording file.`,
    )
  }
  return listRecordingFiles(folder)
}

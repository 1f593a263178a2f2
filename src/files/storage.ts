/**
 * The only module that touches the file system. Reads and writes are synchronous on purpose:
 * files are small, a test waits for its own recording anyway, and sync reads cost far less
 * per request than async ones (measured: docs/performance.md).
 * Writes are atomic: a temp file next to the target, then rename. A crash leaves either the
 * old file or the new one, plus at worst a temp file that a later run sweeps away.
 */

import { isAscii } from 'node:buffer'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { RecordingError } from '../errors.js'

const TEMP_MARK = '.fr-tmp-'

export function readTextIfExists(path: string): string | undefined {
  try {
    return textOf(readFileSync(path))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw unreadable(path, code === 'EISDIR', error)
  }
}

/**
 * Recordings are mostly ASCII (JSON escapes nothing else, and most APIs answer in English):
 * for ASCII bytes latin1 and UTF-8 decode alike, and latin1 decodes an 8.5 MB file in a third
 * of the time (docs/performance.md, first request vs file size). Anything else is UTF-8.
 */
function textOf(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
}

/** A recording path that exists but cannot be read; a folder is never removed for the user. */
function unreadable(path: string, isFolder: boolean, cause: unknown): RecordingError {
  const message = isFolder
    ? `${path} is a folder, not a recording file. Move or remove that folder (rm -r "${path}") so the test can record there; nothing was read or written.`
    : `Could not read ${path} (${(cause as Error).message}). Check that the file is readable; nothing was written.`
  return new RecordingError('RECORDING_UNREADABLE', message, { cause })
}

export function fileExists(path: string): boolean {
  return existsSync(path)
}

export function writeTextAtomic(path: string, text: string): void {
  const folder = dirname(path)
  const temp = join(
    folder,
    `.${basename(path)}${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  )
  try {
    writeInFolder(folder, temp, text)
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw new RecordingError(
      'RECORDING_WRITE_FAILED',
      `Could not write ${path} (${(error as Error).message}). Check that the folder is writable; the old file, if any, is unchanged.`,
      { cause: error },
    )
  }
}

/** Folders this process made or wrote into: most writes skip the mkdir call. */
const knownFolders = new Set<string>()

function writeInFolder(folder: string, temp: string, text: string): void {
  if (knownFolders.has(folder)) {
    try {
      writeFileSync(temp, text)
      return
    } catch (error) {
      // Removed since (a test that cleans up its recordings folder): made again below.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      knownFolders.delete(folder)
    }
  }
  mkdirSync(folder, { recursive: true })
  writeFileSync(temp, text)
  if (knownFolders.size >= 1_000) knownFolders.clear()
  knownFolders.add(folder)
}

export function removeFile(path: string): void {
  rmSync(path, { force: true })
  removeFolderIfEmpty(dirname(path))
}

function removeFolderIfEmpty(folder: string): void {
  try {
    if (readdirSync(folder).length === 0) rmSync(folder, { recursive: false, force: true })
  } catch {
    // The folder is gone or still in use by another worker: nothing to tidy.
  }
}

export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true })
}

/** Recording files (`*.json`) directly in a folder; none when the folder does not exist. */
export function listRecordingFiles(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
      .map((name) => join(folder, name))
  } catch {
    return []
  }
}

/** Sub-folders of a folder, as absolute paths. */
export function listFolders(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(folder, entry.name))
  } catch {
    return []
  }
}

/**
 * Removes temp files left by writers that died (SIGKILL mid-write). A temp file whose writer
 * is still alive belongs to a concurrent worker and is left alone.
 */
export function sweepTempFiles(folder: string): number {
  let removed = 0
  let names: string[]
  try {
    names = readdirSync(folder)
  } catch {
    return 0
  }
  for (const name of names) {
    const at = name.indexOf(TEMP_MARK)
    if (at === -1) continue
    const pid = Number(name.slice(at + TEMP_MARK.length).split('-')[0])
    if (pid === process.pid || isAlive(pid)) continue
    try {
      unlinkSync(join(folder, name))
      removed++
    } catch {
      // Another process swept it first.
    }
  }
  return removed
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

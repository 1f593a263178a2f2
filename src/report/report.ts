/**
 * The end-of-run report, shared by the Vitest and Jest reporters: per-file results from the
 * workers, plus what only the main process can see (recording files no test claims anymore).
 *
 * Stale rules: an entry is stale when its test ran and passed without using it (workers count
 * those); a file is stale when no collected test of its test file owns it, judged only for test
 * files that ran unfiltered and collected fine; a folder is stale when its test file no longer
 * exists, judged only on a full, unfiltered, unsharded run. Skipped, filtered, `.only`-excluded,
 * todo and failed tests never make anything stale. In update mode stale files and folders are
 * removed instead of reported.
 */
import { basename, dirname, join } from 'node:path'
import type { RecordingMode } from '../config/options.js'
import { defaultRecordingPath, FILE_LEVEL_NAME, RECORDINGS_DIR, recordingsFolderOf } from '../files/paths.js'
import {
  fileExists,
  isFolder,
  listFolders,
  listRecordingFiles,
  removeFile,
  removeFolder,
  sweepTempFiles,
} from '../files/storage.js'
import type { RecordingOutcome } from '../recording/recording.js'

export type TestState = 'passed' | 'failed' | 'skipped' | 'todo'

export interface TestFileRun {
  /** Absolute path of the test file. */
  testFile: string
  /** Every collected test of the file with its final state; names as the workers used them. */
  tests: { name: string; state: TestState }[]
  /** Tests of this file were filtered by name (-t, testNamePattern) or by `.only`. */
  filtered: boolean
  /** The file failed to load or collect: nothing in its folder can be judged. */
  collectFailed: boolean
}

export interface RunFacts {
  mode: RecordingMode
  files: TestFileRun[]
  outcomes: RecordingOutcome[]
  /** Every test file ran, unfiltered and unsharded: folders of deleted test files can be judged. */
  fullRun: boolean
  /** Folders searched for `__recordings__` of deleted test files (the project roots). */
  roots: string[]
  /** With a custom resolveRecordingPath the layout is the user's: files and folders are not judged. */
  customLayout: boolean
}

export interface FileReport {
  testFile: string
  replayed: number
  written: number
  updated: number
  removed: number
  staleEntries: { testName: string; path: string; count: number }[]
  staleFiles: string[]
  removedFiles: string[]
  redactions: number
}

export interface RunReport {
  mode: RecordingMode
  files: FileReport[]
  staleFolders: string[]
  removedFolders: string[]
  totals: {
    replayed: number
    written: number
    updated: number
    stale: number
    removed: number
    redactions: number
  }
}

export function buildRunReport(facts: RunFacts): RunReport {
  const byFile = new Map<string, FileReport>()
  const fileReport = (testFile: string) => {
    let report = byFile.get(testFile)
    if (!report) {
      report = emptyFileReport(testFile)
      byFile.set(testFile, report)
    }
    return report
  }
  const states = new Map<string, TestState>()
  for (const file of facts.files)
    for (const test of file.tests) states.set(`${file.testFile}\0${test.name}`, test.state)

  for (const outcome of facts.outcomes) {
    const report = fileReport(outcome.testFile)
    if (outcome.change === 'created') report.written++
    else if (outcome.change === 'updated') report.updated++
    else if (outcome.change === 'removed') report.removed++
    else if (outcome.replayed > 0) report.replayed++
    report.redactions += outcome.redactions
    const state = outcome.testName === '' ? 'passed' : states.get(`${outcome.testFile}\0${outcome.testName}`)
    if (
      outcome.staleEntries > 0 &&
      outcome.status === 'passed' &&
      (state === undefined || state === 'passed')
    ) {
      report.staleEntries.push({
        testName: outcome.testName,
        path: outcome.path,
        count: outcome.staleEntries,
      })
    }
  }

  if (!facts.customLayout && facts.mode !== 'live') {
    for (const file of facts.files) {
      if (file.filtered || file.collectFailed) continue
      judgeFolder(file, facts.mode, fileReport)
    }
  }
  const folders = facts.fullRun && !facts.customLayout && facts.mode !== 'live' ? orphanFolders(facts) : []
  const removeStale = facts.mode === 'update'
  if (removeStale) for (const folder of folders) removeFolder(folder)

  const files = [...byFile.values()].filter(hasAnything).sort((a, b) => a.testFile.localeCompare(b.testFile))
  const totals = { replayed: 0, written: 0, updated: 0, stale: 0, removed: 0, redactions: 0 }
  for (const file of files) {
    totals.replayed += file.replayed
    totals.written += file.written
    totals.updated += file.updated
    totals.removed += file.removed + file.removedFiles.length
    totals.stale += file.staleEntries.length + file.staleFiles.length
    totals.redactions += file.redactions
  }
  totals.stale += removeStale ? 0 : folders.length
  totals.removed += removeStale ? folders.length : 0
  return {
    mode: facts.mode,
    files,
    staleFolders: removeStale ? [] : folders,
    removedFolders: removeStale ? folders : [],
    totals,
  }
}

function judgeFolder(
  file: TestFileRun,
  mode: RecordingMode,
  fileReport: (testFile: string) => FileReport,
): void {
  const folder = recordingsFolderOf(file.testFile)
  sweepTempFiles(folder)
  const owned = new Set(
    file.tests.map((test) => defaultRecordingPath({ testFile: file.testFile, testName: test.name })),
  )
  for (const path of listRecordingFiles(folder)) {
    if (owned.has(path) || basename(path) === `${FILE_LEVEL_NAME}.json`) continue
    const report = fileReport(file.testFile)
    if (mode === 'update') {
      removeFile(path)
      report.removedFiles.push(path)
    } else {
      report.staleFiles.push(path)
    }
  }
}

/** `<dir>/__recordings__/<name>/` whose test file `<dir>/<name>` no longer exists. */
function orphanFolders(facts: RunFacts): string[] {
  const found: string[] = []
  const visit = (folder: string, depth: number) => {
    if (depth > 12) return
    for (const child of listFolders(folder)) {
      const name = basename(child)
      if (name === 'node_modules' || name.startsWith('.')) continue
      if (name === RECORDINGS_DIR) {
        for (const recordings of listFolders(child)) {
          if (!fileExists(join(dirname(child), basename(recordings)))) found.push(recordings)
        }
      } else {
        visit(child, depth + 1)
      }
    }
  }
  for (const root of facts.roots) if (isFolder(root)) visit(root, 0)
  return found.sort()
}

function emptyFileReport(testFile: string): FileReport {
  return {
    testFile,
    replayed: 0,
    written: 0,
    updated: 0,
    removed: 0,
    staleEntries: [],
    staleFiles: [],
    removedFiles: [],
    redactions: 0,
  }
}

function hasAnything(report: FileReport): boolean {
  return (
    report.replayed + report.written + report.updated + report.removed + report.redactions > 0 ||
    report.staleEntries.length + report.staleFiles.length + report.removedFiles.length > 0
  )
}

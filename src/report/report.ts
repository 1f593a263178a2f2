/**
 * The end-of-run report, shared by the Vitest and Jest reporters: per-file results from the
 * workers, plus what only the main process can see (recording files no test claims anymore).
 *
 * Stale rules: an entry is stale when its test ran and passed without using it (workers count
 * those); a file is stale when no collected test of its test file owns it, judged only for test
 * files that ran unfiltered and collected fine; a folder is stale when its test file no longer
 * exists, judged only on a full, unfiltered, unsharded run. Skipped, filtered, `.only`-excluded,
 * todo and failed tests never make anything stale. In update mode stale files and folders are
 * removed instead of reported; in prune mode stale entries, files and folders are removed, on a
 * full run only (otherwise they are reported, with the reason nothing was deleted).
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
import { pruneEntries } from './prune.js'

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
  /**
   * Nothing narrowed the run but, maybe, a shard: every test file (of the shard) ran unfiltered.
   * Folders of deleted test files are judged when this holds and the run is the whole suite
   * (unsharded, or a complete merge of shards).
   */
  fullRun: boolean
  /** Folders searched for `__recordings__` of deleted test files (the project roots). */
  roots: string[]
  /** With a custom resolveRecordingPath the layout is the user's: files and folders are not judged. */
  customLayout: boolean
  /** This run is one shard of several (`1/3`): folders are judged only over the merged shards. */
  shard?: Shard | undefined
  /** This run merges the reports of shards (`vitest --merge-reports`): it reports, never deletes. */
  merged?: MergedShards | undefined
}

export interface Shard {
  index: number
  count: number
}

export interface MergedShards {
  /** The shard indices whose reports were merged, sorted. */
  shards: number[]
  count: number
  /** Every shard 1..count is there: only then is the union the whole suite. */
  complete: boolean
}

/** Which shards a set of reports came from; a set without shards is one unsharded run. */
export function mergedShardsOf(shards: readonly (Shard | undefined)[]): MergedShards {
  const indices = [...new Set(shards.flatMap((shard) => (shard ? [shard.index] : [])))].sort((a, b) => a - b)
  const counts = new Set(shards.map((shard) => shard?.count ?? 1))
  const count = Math.max(...counts, 1)
  const unsharded = shards.length > 0 && shards.every((shard) => shard === undefined)
  const complete = unsharded || (counts.size === 1 && indices.length === count)
  return { shards: unsharded ? [1] : indices, count, complete }
}

/** Why a merged set of shards is not the whole suite; undefined when it is. */
export function incompleteShardsReason(merged: MergedShards): string | undefined {
  if (merged.complete) return undefined
  return `only shard(s) ${merged.shards.join(', ') || 'none'} of ${merged.count} were merged: the result is partial, folders of deleted test files are not judged and nothing is deleted`
}

/** A stale entry list of one recording: which test, which file, how many entries. */
export interface EntryReport {
  testName: string
  path: string
  count: number
}

export interface FileReport {
  testFile: string
  replayed: number
  written: number
  updated: number
  removed: number
  /** Recordings a test re-recorded (update) into exactly what was on disk. */
  unchanged: number
  staleEntries: EntryReport[]
  /** prune: entries deleted from their files (a file left empty is deleted too). */
  removedEntries: EntryReport[]
  staleFiles: string[]
  removedFiles: string[]
  redactions: number
  /** Requests that found no recorded answer (replay, prune). */
  misses: number
  /** Files that did not load, replaced in update mode by the new recording. */
  replacedFiles: { path: string; reason: string }[]
  /** What failed tests recorded in `new` (or `update`) mode and was not written. */
  discarded: { testName: string; path: string; count: number }[]
  /** update mode: recordings left as they were because their test failed, and why. */
  kept: { testName: string; path: string; reason: string }[]
  /** Requests that went out while recording and of which nothing could be stored. */
  unrecorded: { testName: string; path: string; request: string; reason: string }[]
}

export interface RunReport {
  mode: RecordingMode
  files: FileReport[]
  staleFolders: string[]
  removedFolders: string[]
  /** Why folders of deleted test files were not judged (only when that is news: a shard). */
  foldersNotJudged?: string
  /** prune on a run that was not full: why nothing was deleted. */
  pruneSkipped?: string
  /** The shard this run was, if any. */
  shard?: Shard
  /** The shards this report merges, if it is a merge. */
  merged?: MergedShards
  /** Folders a sharded run would call stale: judged once the shards are merged (merge.ts). */
  folderCandidates?: string[]
  /** Connections no transport saw (new/update mode): neither recorded nor replayed. */
  bypassed?: { count: number; hosts: string[] }
  totals: RunTotals
}

export interface RunTotals {
  replayed: number
  written: number
  updated: number
  unchanged: number
  stale: number
  removed: number
  redactions: number
  misses: number
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
  const wholeSuite = facts.fullRun && !facts.shard && (facts.merged?.complete ?? true)
  const removeStale = !facts.merged && (facts.mode === 'update' || (facts.mode === 'prune' && wholeSuite))
  const states = new Map<string, TestState>()
  for (const file of facts.files)
    for (const test of file.tests) states.set(`${file.testFile}\0${test.name}`, test.state)

  const bypassed = facts.outcomes.flatMap((outcome) => outcome.bypassed ?? [])
  for (const outcome of facts.outcomes) {
    const report = fileReport(outcome.testFile)
    countOutcome(report, outcome)
    const state = outcome.testName === '' ? 'passed' : states.get(`${outcome.testFile}\0${outcome.testName}`)
    if (
      outcome.staleEntries > 0 &&
      outcome.status === 'passed' &&
      (state === undefined || state === 'passed')
    ) {
      const entry = { testName: shownNameOf(outcome), path: outcome.path, count: outcome.staleEntries }
      if (
        removeStale &&
        outcome.unused &&
        pruneEntries(outcome.path, outcome.unused.positions, outcome.unused.entries) !== 'changed'
      )
        report.removedEntries.push(entry)
      else report.staleEntries.push(entry)
    }
  }

  if (!facts.customLayout && facts.mode !== 'live') {
    const recordedPaths = new Set(facts.outcomes.map((outcome) => outcome.path))
    for (const file of facts.files) {
      if (file.filtered || file.collectFailed) continue
      judgeFolder(file, removeStale, fileReport, recordedPaths)
    }
  }
  const judgeable = !facts.customLayout && facts.mode !== 'live'
  const folders = wholeSuite && judgeable ? orphanFolders(facts) : []
  if (removeStale) for (const folder of folders) removeFolder(folder)

  const files = [...byFile.values()].filter(hasAnything).sort((a, b) => a.testFile.localeCompare(b.testFile))
  const report: RunReport = {
    mode: facts.mode,
    files,
    staleFolders: removeStale ? [] : folders,
    removedFolders: removeStale ? folders : [],
    totals: totalsOf(files, removeStale ? 0 : folders.length, removeStale ? folders.length : 0),
  }
  if (bypassed.length > 0) report.bypassed = { count: bypassed.length, hosts: [...new Set(bypassed)].sort() }
  if (facts.shard) {
    report.shard = facts.shard
    if (judgeable && facts.fullRun) {
      report.foldersNotJudged = `the run was sharded (shard ${facts.shard.index}/${facts.shard.count}): folders of deleted test files are judged when the shards' reports are merged`
      report.folderCandidates = orphanFolders(facts)
    }
  }
  if (facts.merged) {
    report.merged = facts.merged
    const incomplete = incompleteShardsReason(facts.merged)
    if (incomplete && judgeable) report.foldersNotJudged = incomplete
  }
  if (facts.mode === 'prune' && facts.merged) {
    report.pruneSkipped = 'a merge of shard reports only reports; run prune on a checkout, unsharded'
  } else if (facts.mode === 'prune' && !wholeSuite) {
    report.pruneSkipped =
      facts.shard && facts.fullRun
        ? 'a shard is not the whole suite'
        : 'the run was not a full unfiltered run (a file or name filter, .only, a rerun or an interrupted run)'
  }
  return report
}

function countOutcome(report: FileReport, outcome: RecordingOutcome): void {
  if (outcome.change === 'created') report.written++
  else if (outcome.change === 'updated') report.updated++
  else if (outcome.change === 'removed') report.removed++
  else if (outcome.recorded > 0) report.unchanged++
  else if (outcome.replayed > 0) report.replayed++
  report.redactions += outcome.redactions
  report.misses += outcome.misses ?? 0
  if (outcome.replaced) report.replacedFiles.push({ path: outcome.path, reason: outcome.replaced })
  if (outcome.discarded) {
    report.discarded.push({ testName: shownNameOf(outcome), path: outcome.path, count: outcome.discarded })
  }
  const named = { testName: shownNameOf(outcome), path: outcome.path }
  if (outcome.kept) report.kept.push({ ...named, reason: outcome.kept })
  for (const lost of outcome.unrecorded ?? []) report.unrecorded.push({ ...named, ...lost })
}

/** The test's name as reports show it: with the secrets its worker knew redacted. */
export function shownNameOf(outcome: RecordingOutcome): string {
  return outcome.shownName ?? outcome.testName
}

/** Adds up the files' counts; folders are run-level. Exported for merged reports (merge.ts). */
export function totalsOf(
  files: readonly FileReport[],
  staleFolders: number,
  removedFolders: number,
): RunTotals {
  const totals: RunTotals = {
    replayed: 0,
    written: 0,
    updated: 0,
    unchanged: 0,
    stale: staleFolders,
    removed: removedFolders,
    redactions: 0,
    misses: 0,
  }
  for (const file of files) {
    totals.replayed += file.replayed
    totals.written += file.written
    totals.updated += file.updated
    totals.unchanged += file.unchanged
    totals.removed += file.removed + file.removedFiles.length + file.removedEntries.length
    totals.stale += file.staleEntries.length + file.staleFiles.length
    totals.redactions += file.redactions
    totals.misses += file.misses
  }
  return totals
}

/**
 * Files of the folder that no test of the file owns. A test's own path is the one its worker
 * used (the outcome's): a name holding a key (a token, or a credential the environment got in
 * a `beforeAll`) has it redacted there, which the names alone do not show.
 */
function judgeFolder(
  file: TestFileRun,
  remove: boolean,
  fileReport: (testFile: string) => FileReport,
  recordedPaths: ReadonlySet<string>,
): void {
  const folder = recordingsFolderOf(file.testFile)
  sweepTempFiles(folder)
  const owned = new Set(
    file.tests.map((test) => defaultRecordingPath({ testFile: file.testFile, testName: test.name })),
  )
  for (const path of listRecordingFiles(folder)) {
    if (owned.has(path) || recordedPaths.has(path) || basename(path) === `${FILE_LEVEL_NAME}.json`) continue
    const report = fileReport(file.testFile)
    if (remove) {
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
  return [...new Set(found)].sort()
}

export function emptyFileReport(testFile: string): FileReport {
  return {
    testFile,
    replayed: 0,
    written: 0,
    updated: 0,
    removed: 0,
    unchanged: 0,
    staleEntries: [],
    removedEntries: [],
    staleFiles: [],
    removedFiles: [],
    redactions: 0,
    misses: 0,
    replacedFiles: [],
    discarded: [],
    kept: [],
    unrecorded: [],
  }
}

function hasAnything(report: FileReport): boolean {
  return (
    report.replayed + report.written + report.updated + report.removed + report.unchanged > 0 ||
    report.redactions + report.misses > 0 ||
    report.staleEntries.length + report.staleFiles.length + report.removedFiles.length > 0 ||
    report.removedEntries.length + report.replacedFiles.length + report.discarded.length > 0 ||
    report.kept.length + report.unrecorded.length > 0
  )
}

/**
 * The run report for machines (option `reportFile`): the run-level report as versioned JSON,
 * paths relative to the project root. Schema: docs/report.md. Jest shards each write one and
 * `fetch-recordings merge` joins them (merge.ts), so everything a merge needs is in it.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { RecordingMode } from '../config/options.js'
import { RecordingError } from '../errors.js'
import { readTextIfExists, writeTextAtomic } from '../files/storage.js'
import type { RecordingOutcome } from '../recording/recording.js'
import {
  type FileReport,
  type MergedShards,
  type RunFacts,
  type RunReport,
  type RunTotals,
  type Shard,
  shownNameOf,
} from './report.js'

export const REPORT_SCHEMA = 'fetch-recordings/report/1'

export type RecordingResult = 'replayed' | 'recorded' | 'updated' | 'removed' | 'unchanged' | 'untouched'

/** One recording file a test used in the run. */
export interface RecordingEntry {
  path: string
  testFile: string
  /** `describe > test`; empty for the file-level recording. */
  test: string
  status: RecordingOutcome['status']
  result: RecordingResult
  replayed: number
  recorded: number
  redactions: number
  misses: number
  staleEntries: number
}

export interface ReportFileJson {
  schema: typeof REPORT_SCHEMA
  runner: string
  mode: RecordingMode
  /** Absolute project root; every other path is relative to it, with `/`. */
  rootDir: string
  run: { full: boolean; shard: Shard | null; merged: MergedShards | null }
  totals: RunTotals
  recordings: RecordingEntry[]
  misses: { path: string; test: string; count: number }[]
  files: FileReport[]
  staleFolders: string[]
  removedFolders: string[]
  /** A shard's orphaned folders, judged when the shards are merged. */
  folderCandidates: string[]
  foldersNotJudged: string | null
  pruneSkipped: string | null
  /** Connections that reached the network without passing the recorder (new and update modes watch for them). */
  bypassed: number
  /** Their hosts, sorted. */
  bypassedHosts: string[]
}

export interface ReportFileInput {
  runner: string
  rootDir: string
  facts: RunFacts
  report: RunReport
}

export function reportFileJson({ runner, rootDir, facts, report }: ReportFileInput): ReportFileJson {
  const rel = (path: string) => toPosix(relative(rootDir, path))
  const recordings = facts.outcomes.filter(worthListing).map((outcome) => recordingEntry(outcome, rel))
  return {
    schema: REPORT_SCHEMA,
    runner,
    mode: report.mode,
    rootDir,
    run: { full: facts.fullRun, shard: report.shard ?? null, merged: report.merged ?? null },
    totals: report.totals,
    recordings,
    misses: recordings
      .filter((entry) => entry.misses > 0)
      .map((entry) => ({ path: entry.path, test: entry.test, count: entry.misses })),
    files: report.files.map((file) => mapFilePaths(file, rel)),
    staleFolders: report.staleFolders.map(rel),
    removedFolders: report.removedFolders.map(rel),
    folderCandidates: (report.folderCandidates ?? []).map(rel),
    foldersNotJudged: report.foldersNotJudged ?? null,
    pruneSkipped: report.pruneSkipped ?? null,
    bypassed: report.bypassed?.count ?? 0,
    bypassedHosts: report.bypassed?.hosts ?? [],
  }
}

/** Writes the report; `{shard}` in the path becomes `1-of-3` (or `all` for an unsharded run). */
export function writeReportFile(path: string, json: ReportFileJson): string {
  const shard = json.run.shard ? `${json.run.shard.index}-of-${json.run.shard.count}` : 'all'
  const target = resolve(json.rootDir, path.replaceAll('{shard}', shard))
  writeTextAtomic(target, `${JSON.stringify(json, null, 2)}\n`)
  return target
}

export function readReportFile(path: string): ReportFileJson {
  const text = readTextIfExists(path)
  const fix = 'Pass the files written by the reportFile option of fetch-recordings (docs/report.md).'
  if (text === undefined) throw new RecordingError('INVALID_OPTION', `${path}: no such report file. ${fix}`)
  let json: Partial<ReportFileJson>
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new RecordingError('INVALID_OPTION', `${path}: not JSON (${(error as Error).message}). ${fix}`)
  }
  if (json?.schema !== REPORT_SCHEMA) {
    throw new RecordingError(
      'INVALID_OPTION',
      `${path}: schema is ${JSON.stringify(json?.schema)}, this version reads "${REPORT_SCHEMA}". ${fix}`,
    )
  }
  return json as ReportFileJson
}

/** A report file's test-file reports with absolute paths again (for the summary). */
export function absoluteFiles(json: ReportFileJson): FileReport[] {
  const abs = (path: string) => (isAbsolute(path) ? path : resolve(json.rootDir, path))
  return json.files.map((file) => mapFilePaths(file, abs))
}

function recordingEntry(outcome: RecordingOutcome, rel: (path: string) => string): RecordingEntry {
  return {
    path: rel(outcome.path),
    testFile: rel(outcome.testFile),
    test: shownNameOf(outcome),
    status: outcome.status,
    result: resultOf(outcome),
    replayed: outcome.replayed,
    recorded: outcome.recorded,
    redactions: outcome.redactions,
    misses: outcome.misses ?? 0,
    staleEntries: outcome.staleEntries,
  }
}

function resultOf(outcome: RecordingOutcome): RecordingResult {
  if (outcome.change === 'created') return 'recorded'
  if (outcome.change !== 'none') return outcome.change
  if (outcome.recorded > 0) return 'unchanged'
  return outcome.replayed > 0 ? 'replayed' : 'untouched'
}

function worthListing(outcome: RecordingOutcome): boolean {
  return (
    outcome.change !== 'none' ||
    outcome.replayed + outcome.recorded + outcome.staleEntries + (outcome.misses ?? 0) > 0
  )
}

function mapFilePaths(file: FileReport, map: (path: string) => string): FileReport {
  const entry = <T extends { path: string }>(item: T): T => ({ ...item, path: map(item.path) })
  return {
    ...file,
    testFile: map(file.testFile),
    staleEntries: file.staleEntries.map(entry),
    removedEntries: file.removedEntries.map(entry),
    staleFiles: file.staleFiles.map(map),
    removedFiles: file.removedFiles.map(map),
    // Report files written before these fields existed have none.
    replacedFiles: (file.replacedFiles ?? []).map((replaced) => ({ ...replaced, path: map(replaced.path) })),
    discarded: (file.discarded ?? []).map(entry),
    kept: (file.kept ?? []).map(entry),
    unrecorded: (file.unrecorded ?? []).map(entry),
  }
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/')
}

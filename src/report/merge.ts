/**
 * Joins the run reports of shards (Jest has no merge step of its own): the test files are
 * disjoint across shards, so their files' reports add up; the folders of deleted test files,
 * which a shard cannot judge alone, are stale when every shard of the set ran unfiltered and
 * found them (a shard lists them as candidates). A set with shards missing is partial: it
 * reports what the shards saw and judges no folder. A merge never deletes anything.
 */
import { isAbsolute, resolve } from 'node:path'
import { RecordingError } from '../errors.js'
import { incompleteShardsReason, mergedShardsOf, type RunReport, totalsOf } from './report.js'
import { absoluteFiles, type ReportFileJson } from './report-file.js'

export function mergeReports(reports: readonly ReportFileJson[]): RunReport {
  const first = reports[0]
  if (!first)
    throw new RecordingError(
      'INVALID_OPTION',
      'merge: no report files given. Pass the files the shards wrote.',
    )
  const modes = new Set(reports.map((report) => report.mode))
  if (modes.size > 1) {
    throw new RecordingError(
      'INVALID_OPTION',
      `merge: the reports come from runs in different modes (${[...modes].join(', ')}). Merge the shards of one run.`,
    )
  }
  const merged = mergedShardsOf(reports.map((report) => report.run.shard ?? undefined))
  const shardsFull = reports.every((report) => report.run.full)
  const complete = merged.complete && shardsFull
  const files = reports.flatMap(absoluteFiles).sort((a, b) => a.testFile.localeCompare(b.testFile))
  const staleFolders = complete ? commonFolders(reports) : []
  const result: RunReport = {
    mode: first.mode,
    files,
    staleFolders,
    removedFolders: reports.flatMap((report) =>
      report.removedFolders.map((path) => resolve(report.rootDir, path)),
    ),
    merged: { ...merged, complete },
    totals: totalsOf(files, staleFolders.length, 0),
  }
  const incomplete =
    incompleteShardsReason(merged) ??
    (shardsFull ? undefined : 'a shard ran filtered: folders of deleted test files are not judged')
  if (incomplete) result.foldersNotJudged = incomplete
  result.totals.removed += result.removedFolders.length
  const bypassed = reports.reduce((sum, report) => sum + (report.bypassed ?? 0), 0)
  if (bypassed > 0) {
    const hosts = [...new Set(reports.flatMap((report) => report.bypassedHosts ?? []))].sort()
    result.bypassed = { count: bypassed, hosts }
  }
  return result
}

/** Folders every shard found orphaned (an unsharded report judged them itself). */
function commonFolders(reports: readonly ReportFileJson[]): string[] {
  const perReport = reports.map(
    (report) =>
      new Set(
        [...report.folderCandidates, ...report.staleFolders].map((path) =>
          isAbsolute(path) ? path : resolve(report.rootDir, path),
        ),
      ),
  )
  const [first, ...rest] = perReport
  return [...(first ?? [])].filter((folder) => rest.every((set) => set.has(folder))).sort()
}

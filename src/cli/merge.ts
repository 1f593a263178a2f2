/**
 * `fetch-recordings merge <report files…>`: the summary of a sharded run (Jest has no merge
 * step), judged over the union of the shards' run reports (report/merge.ts).
 */
import { RecordingError } from '../errors.js'
import { fixCommandsOf } from '../report/commands.js'
import { mergeReports } from '../report/merge.js'
import { readReportFile } from '../report/report-file.js'
import { formatSummary } from '../report/summary.js'
import type { CliIo } from './io.js'

export const MERGE_HELP = `Usage: fetch-recordings merge <report files...> [--fail-on-stale]

Joins the run reports that shards wrote (option reportFile, e.g. with \`npx jest --shard=1/2\`)
and prints the summary of the whole run: stale entries and files of every shard, and the
folders of deleted test files, judged only when every shard is there. Deletes nothing.

Options:
  --fail-on-stale   exit 1 when anything is stale
  -h, --help        this text

Exit codes: 0 fine, 1 stale (with --fail-on-stale), 2 bad arguments or unreadable reports.
See docs/cli.md and docs/report.md.`

export function runMerge(args: readonly string[], io: CliIo): number {
  const failOnStale = args.includes('--fail-on-stale')
  const unknown = args.find((arg) => arg.startsWith('-') && arg !== '--fail-on-stale')
  if (unknown)
    throw new RecordingError('INVALID_OPTION', `merge: unknown option ${unknown}.\n\n${MERGE_HELP}`)
  const files = args.filter((arg) => !arg.startsWith('-'))
  if (files.length === 0)
    throw new RecordingError('INVALID_OPTION', `merge: give the report files.\n\n${MERGE_HELP}`)
  const reports = files.map(readReportFile)
  const report = mergeReports(reports)
  const commands = fixCommandsOf(reports[0]?.runner ?? 'jest')
  const rootDir = reports[0]?.rootDir ?? io.cwd
  io.out(formatSummary(report, { rootDir, ...commands, color: io.color }))
  const shards = report.merged
  if (shards)
    io.out(
      `   Merged ${files.length} report(s): shard(s) ${shards.shards.join(', ')} of ${shards.count}${shards.complete ? '' : ' (partial)'}.`,
    )
  return failOnStale && report.totals.stale > 0 ? 1 : 0
}

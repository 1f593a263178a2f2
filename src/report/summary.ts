/**
 * The end-of-run summary text, in the runners' snapshot-summary style. Shared by both
 * reporters and `fetch-recordings merge`; the only runner-specific parts are the commands that
 * fix what it reports.
 */
import { relative } from 'node:path'
import pc from 'picocolors'
import type { FileReport, RunReport } from './report.js'

export interface SummaryStyle {
  rootDir: string
  /** The command that re-records (and removes stale recordings), e.g. `UPDATE_RECORDINGS=1 npx vitest run`. */
  updateCommand: string
  /** The command that removes stale recordings without re-recording, e.g. `npx vitest run -- --prune-recordings`. */
  pruneCommand: string
  color: boolean
}

type Colors = ReturnType<typeof pc.createColors>

export function formatSummary(report: RunReport, style: SummaryStyle): string {
  const c = pc.createColors(style.color)
  const { totals } = report
  const show = (path: string) => relative(style.rootDir, path) || path
  const counts = [
    `${totals.replayed} replayed`,
    totals.written ? c.green(`${totals.written} written`) : '0 written',
    totals.updated ? c.green(`${totals.updated} updated`) : '0 updated',
    totals.stale ? c.yellow(`${totals.stale} stale`) : '0 stale',
    totals.removed ? c.green(`${totals.removed} removed`) : '0 removed',
  ]
  const lines = [`${c.bold(' Recordings ')} ${counts.join(c.dim(' | '))} ${c.dim(`(mode: ${report.mode})`)}`]
  if (totals.unchanged)
    lines.push(
      c.dim(`   ${totals.unchanged} recording(s) re-recorded with identical content (left as they were)`),
    )
  if (totals.redactions)
    lines.push(c.yellow(`   ${totals.redactions} secret value(s) redacted before writing`))
  for (const file of report.files) {
    const details = fileDetails(file, c, show)
    if (details.length === 0) continue
    lines.push(`   ${c.dim('↳')} ${show(file.testFile)}`)
    for (const detail of details) lines.push(`     · ${detail}`)
  }
  for (const folder of report.staleFolders)
    lines.push(`   ${c.yellow('stale')} folder ${show(folder)} (its test file is gone)`)
  for (const folder of report.removedFolders) lines.push(`   ${c.green('removed')} folder ${show(folder)}`)
  if (report.foldersNotJudged) lines.push(c.dim(`   Folders not judged: ${report.foldersNotJudged}.`))
  if (report.pruneSkipped)
    lines.push(c.yellow(`   prune deleted nothing: ${report.pruneSkipped}. Run the whole suite, unfiltered.`))
  const discarded = report.files.reduce(
    (sum, file) => sum + file.discarded.reduce((count, entry) => count + entry.count, 0),
    0,
  )
  if (discarded > 0) {
    lines.push(
      c.yellow(
        `   ${discarded} interaction(s) recorded by failed tests not kept: the next run records them again (keepFailedRecordings: true keeps them).`,
      ),
    )
  }
  const unrecorded = report.files.reduce((sum, file) => sum + file.unrecorded.length, 0)
  if (unrecorded > 0) {
    lines.push(
      c.yellow(
        `   ${unrecorded} request(s) reached the API while recording, but nothing of them could be stored: replay will not find them. Make the test wait for them and check why they failed (listed above), then record again.`,
      ),
    )
  }
  const kept = report.files.reduce((sum, file) => sum + file.kept.length, 0)
  if (kept > 0) {
    lines.push(
      c.yellow(
        `   ${kept} recording(s) kept as they were: their test failed while re-recording (listed above).`,
      ),
    )
  }
  if (report.bypassed) {
    lines.push(
      c.yellow(
        `   ${report.bypassed.count} request(s) bypassed the recorder (${report.bypassed.hosts.join(', ')}): neither recorded nor replayed (WebSockets, requests on their own createConnection, raw sockets, HTTP/2). A replay refuses the WebSockets and own connections; the rest would reach the network (blockNetwork refuses it). Send HTTP through fetch or node:http(s) (AWS SDK: requestHandler: new NodeHttpHandler()), mock the sockets, or add the host to passthrough.`,
      ),
    )
  }
  if (totals.stale > 0) {
    lines.push(
      c.yellow(
        `   ${totals.stale} stale recording(s). Run \`${style.pruneCommand}\` to remove them without re-recording (or \`${style.updateCommand}\` to re-record everything).`,
      ),
    )
  }
  return lines.join('\n')
}

function fileDetails(file: FileReport, c: Colors, show: (path: string) => string): string[] {
  const details: string[] = []
  const entries = (count: number) => `${count} unused entr${count === 1 ? 'y' : 'ies'}`
  for (const entry of file.staleEntries) {
    details.push(
      `${c.yellow('stale')} ${entries(entry.count)} of "${entry.testName || '(file level)'}" in ${show(entry.path)}`,
    )
  }
  for (const entry of file.removedEntries) {
    details.push(
      `${c.green('removed')} ${entries(entry.count)} of "${entry.testName || '(file level)'}" from ${show(entry.path)}`,
    )
  }
  if (file.redactions)
    details.push(`${c.yellow('redacted')} ${file.redactions} secret value(s) before writing its recordings`)
  for (const path of file.staleFiles)
    details.push(`${c.yellow('stale')} file ${show(path)} (no test of this name)`)
  for (const path of file.removedFiles) details.push(`${c.green('removed')} ${show(path)}`)
  for (const { path, reason } of file.replacedFiles)
    details.push(`${c.yellow('replaced unreadable')} ${show(path)} (${reason})`)
  for (const { path, reason } of file.kept) {
    details.push(
      `${c.yellow('kept')} ${show(path)}: the test failed while re-recording (${reason}); fix the API or set keepFailedRecordings`,
    )
  }
  for (const { testName, request, reason } of file.unrecorded) {
    details.push(`${c.yellow('not recorded')} ${request} of "${testName || '(file level)'}": ${reason}`)
  }
  for (const entry of file.discarded) {
    details.push(
      `${c.yellow('not kept')} ${entry.count} interaction(s) recorded by failed test "${entry.testName}" for ${show(entry.path)}`,
    )
  }
  return details
}

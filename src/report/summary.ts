/**
 * The end-of-run summary text, in the runners' snapshot-summary style. Shared by both
 * reporters; the only runner-specific part is the command that fixes what it reports.
 */
import { relative } from 'node:path'
import pc from 'picocolors'
import type { RunReport } from './report.js'

export interface SummaryStyle {
  rootDir: string
  /** The command that re-records (and removes stale recordings), e.g. `UPDATE_RECORDINGS=1 npx vitest run`. */
  updateCommand: string
  color: boolean
}

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
  if (totals.redactions)
    lines.push(c.yellow(`   ${totals.redactions} secret value(s) redacted before writing`))
  for (const file of report.files) {
    const details: string[] = []
    for (const entry of file.staleEntries) {
      details.push(
        `${c.yellow('stale')} ${entry.count} unused entr${entry.count === 1 ? 'y' : 'ies'} of "${entry.testName || '(file level)'}" in ${show(entry.path)}`,
      )
    }
    for (const path of file.staleFiles)
      details.push(`${c.yellow('stale')} file ${show(path)} (no test of this name)`)
    for (const path of file.removedFiles) details.push(`${c.green('removed')} ${show(path)}`)
    if (details.length === 0) continue
    lines.push(`   ${c.dim('↳')} ${show(file.testFile)}`)
    for (const detail of details) lines.push(`     · ${detail}`)
  }
  for (const folder of report.staleFolders)
    lines.push(`   ${c.yellow('stale')} folder ${show(folder)} (its test file is gone)`)
  for (const folder of report.removedFolders) lines.push(`   ${c.green('removed')} folder ${show(folder)}`)
  if (totals.stale > 0) {
    lines.push(
      c.yellow(`   ${totals.stale} stale recording(s). Run \`${style.updateCommand}\` to remove them.`),
    )
  }
  return lines.join('\n')
}

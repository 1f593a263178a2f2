/**
 * The end-of-run summary, printed after Vitest's own (reporters run in order; the plugin adds
 * this one after the configured ones). One instance per Vitest run, whatever the number of
 * projects; each run (a watch-mode rerun too) is judged on its own.
 * With `failOnStale`, stale recordings fail the run (exit code 1), like obsolete snapshots in CI.
 * With `reportFile`, the run report is also written as JSON (docs/report.md).
 *
 * Shards: each shard's run marks its test modules with the shard and whether it was narrowed
 * (run-facts.ts); blob reports keep that meta, so `--merge-reports` judges the union of the
 * shards. Modules are collected as they end: in Vitest 4, onTestRunEnd's list can drop merged
 * files when shard and merge machines use different roots.
 */
import pc from 'picocolors'
import type { Reporter, TestModule, TestRunEndReason, TestSpecification, Vitest } from 'vitest/node'
import { endOfRun, fixCommandsOf, formatSummary, type RecordingMode } from '../src/index.js'
import { markShardRun, runFactsOf } from './run-facts.js'

export const { updateCommand: UPDATE_COMMAND, pruneCommand: PRUNE_COMMAND } = fixCommandsOf('vitest')

const REPORTER = Symbol.for('fetch-recordings.vitest.reporter')

export interface ProjectReporting {
  rootDir: string
  failOnStale: boolean
  reportFile?: string | undefined
}

export class FetchRecordingsReporter implements Reporter {
  readonly [REPORTER] = true
  private readonly roots = new Set<string>()
  private failOnStale = false
  private reportFile: string | undefined
  private specifications: readonly TestSpecification[] = []
  private readonly ended = new Map<string, TestModule>()
  private rerunRequested = false
  private rerun = false

  constructor(
    private readonly vitest: Vitest,
    private readonly mainMode: RecordingMode,
  ) {}

  /** Every project with the plugin adds its root (searched for orphaned folders) and options. */
  adoptProject(project: ProjectReporting): void {
    this.roots.add(project.rootDir)
    this.failOnStale ||= project.failOnStale
    this.reportFile ??= project.reportFile
  }

  onWatcherRerun(): void {
    this.rerunRequested = true
  }

  onTestRunStart(specifications: readonly TestSpecification[]): void {
    this.specifications = specifications
    this.ended.clear()
    // A rerun of changed files is never a full run, even when it covers every file.
    this.rerun = this.rerunRequested
    this.rerunRequested = false
  }

  onTestModuleEnd(module: TestModule): void {
    this.ended.set(`${module.project.name}\0${module.moduleId}`, module)
    if (!this.merging()) markShardRun(this.vitest, module, this.specifications)
  }

  onTestRunEnd(modules: readonly TestModule[], _errors: readonly unknown[], reason: TestRunEndReason): void {
    for (const module of modules) this.ended.set(`${module.project.name}\0${module.moduleId}`, module)
    const facts = runFactsOf({
      vitest: this.vitest,
      modules: [...this.ended.values()],
      specifications: this.specifications,
      partial: this.rerun || reason === 'interrupted',
      mainMode: this.mainMode,
      roots: [...this.roots],
      merging: this.merging(),
    })
    if (!facts) return
    const rootDir = this.vitest.config.root
    const { report, reportPath } = endOfRun({
      facts,
      runner: 'vitest',
      rootDir,
      reportFile: this.reportFile,
    })
    const color = pc.isColorSupported
    const style = { rootDir, updateCommand: UPDATE_COMMAND, pruneCommand: PRUNE_COMMAND, color }
    const lines = [formatSummary(report, style)]
    if (reportPath) lines.push(pc.createColors(color).dim(`   Run report written to ${reportPath}`))
    if (this.failOnStale && report.totals.stale > 0) {
      process.exitCode = 1
      lines.push(
        pc
          .createColors(color)
          .red(
            `   failOnStale: ${report.totals.stale} stale recording(s) fail the run. Run \`${PRUNE_COMMAND}\` to remove them.`,
          ),
      )
    }
    this.vitest.logger.log(`\n${lines.join('\n')}\n`)
  }

  private merging(): boolean {
    return Boolean((this.vitest.config as { mergeReports?: string }).mergeReports)
  }
}

/** The run's reporter: created by the first project that asks, shared by the others. */
export function reporterFor(vitest: Vitest, mainMode: RecordingMode): FetchRecordingsReporter {
  const reporters = vitest.config.reporters as unknown[]
  const existing = reporters.find(
    (reporter): reporter is FetchRecordingsReporter =>
      typeof reporter === 'object' && reporter !== null && REPORTER in reporter,
  )
  if (existing) return existing
  const reporter = new FetchRecordingsReporter(vitest, mainMode)
  reporters.push(reporter)
  return reporter
}

export default FetchRecordingsReporter

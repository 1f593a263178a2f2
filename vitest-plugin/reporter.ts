/**
 * The end-of-run summary, printed after Vitest's own (reporters run in order; the plugin adds
 * this one after the configured ones). One instance per Vitest run, whatever the number of
 * projects; each run (a watch-mode rerun too) is judged on its own.
 * With `failOnStale`, stale recordings fail the run (exit code 1), like obsolete snapshots in CI.
 */
import pc from 'picocolors'
import type { Reporter, TestModule, TestRunEndReason, TestSpecification, Vitest } from 'vitest/node'
import { buildRunReport, formatSummary, type RecordingMode } from '../src/index.js'
import { runFactsOf } from './run-facts.js'

export const UPDATE_COMMAND = 'UPDATE_RECORDINGS=1 npx vitest run'

const REPORTER = Symbol.for('fetch-recordings.vitest.reporter')

export class FetchRecordingsReporter implements Reporter {
  readonly [REPORTER] = true
  private readonly roots = new Set<string>()
  private failOnStale = false
  private specifications: readonly TestSpecification[] = []
  private rerunRequested = false
  private rerun = false

  constructor(
    private readonly vitest: Vitest,
    private readonly mainMode: RecordingMode,
  ) {}

  /** Every project with the plugin adds its root (searched for orphaned folders) and options. */
  adoptProject(project: { rootDir: string; failOnStale: boolean }): void {
    this.roots.add(project.rootDir)
    this.failOnStale ||= project.failOnStale
  }

  onWatcherRerun(): void {
    this.rerunRequested = true
  }

  onTestRunStart(specifications: readonly TestSpecification[]): void {
    this.specifications = specifications
    // A rerun of changed files is never a full run, even when it covers every file.
    this.rerun = this.rerunRequested
    this.rerunRequested = false
  }

  onTestRunEnd(modules: readonly TestModule[], _errors: readonly unknown[], reason: TestRunEndReason): void {
    const facts = runFactsOf({
      vitest: this.vitest,
      modules,
      specifications: this.specifications,
      partial: this.rerun || reason === 'interrupted',
      mainMode: this.mainMode,
      roots: [...this.roots],
    })
    if (!facts) return
    const report = buildRunReport(facts)
    const { totals } = report
    const anything =
      totals.replayed + totals.written + totals.updated + totals.stale + totals.removed + totals.redactions
    if (anything === 0) return
    const color = pc.isColorSupported
    const lines = [
      formatSummary(report, { rootDir: this.vitest.config.root, updateCommand: UPDATE_COMMAND, color }),
    ]
    if (this.failOnStale && totals.stale > 0) {
      process.exitCode = 1
      lines.push(
        pc
          .createColors(color)
          .red(
            `   failOnStale: ${totals.stale} stale recording(s) fail the run. Run \`${UPDATE_COMMAND}\` to remove them.`,
          ),
      )
    }
    this.vitest.logger.log(`\n${lines.join('\n')}\n`)
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

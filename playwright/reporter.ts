/**
 * `reporter: [['list'], ['fetch-recordings/playwright-reporter']]`: the end-of-run summary and
 * stale report of a Playwright run, from the outcomes the workers attach to each test result
 * (index.ts) and the run's suite. Options: `{ failOnStale: true, reportFile: 'r.json' }`, as
 * for the Jest reporter.
 */
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter'
import pc from 'picocolors'
import {
  endOfRun,
  fixCommandsOf,
  formatSummary,
  RecordingError,
  type RecordingMode,
  type RecordingOutcome,
} from '../src/index.js'
import { projectRootOf } from './names.js'
import { OUTCOME_ATTACHMENT, type OutcomeAttachment } from './outcome.js'
import { runFactsOf } from './run-facts.js'

export interface ReporterOptions {
  failOnStale?: boolean
  reportFile?: string
}

export const { updateCommand: UPDATE_COMMAND, pruneCommand: PRUNE_COMMAND } = fixCommandsOf('playwright')

export default class FetchRecordingsReporter implements Reporter {
  private config: FullConfig | undefined
  private suite: Suite | undefined
  private mode: RecordingMode | undefined
  /** By recording path: a retry's outcome (it ends later) replaces the failed attempt's. */
  private readonly outcomes = new Map<string, RecordingOutcome>()

  constructor(private readonly options: ReporterOptions = {}) {}

  onBegin(config: FullConfig, suite: Suite): void {
    this.config = config
    this.suite = suite
  }

  onTestEnd(_test: TestCase, result: TestResult): void {
    const attachment = result.attachments.find((item) => item.name === OUTCOME_ATTACHMENT)
    if (!attachment?.body) return
    const { mode, outcome } = JSON.parse(attachment.body.toString('utf8')) as OutcomeAttachment
    this.mode = mode
    this.outcomes.set(outcome.path, outcome)
  }

  async onEnd(_result: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    const { config, suite, mode } = this
    // No test ran with fetch-recordings' test: nothing to say.
    if (!config || !suite || !mode) return undefined
    const facts = runFactsOf({
      config,
      suite,
      mode,
      outcomes: [...this.outcomes.values()],
      argv: process.argv,
    })
    const { report, reportPath } = endOfRun({
      facts,
      runner: 'playwright',
      rootDir: projectRootOf(config),
      reportFile: this.options.reportFile,
    })
    const color = pc.isColorSupported
    const style = {
      rootDir: projectRootOf(config),
      updateCommand: UPDATE_COMMAND,
      pruneCommand: PRUNE_COMMAND,
      color,
    }
    const lines = [formatSummary(report, style)]
    if (reportPath) lines.push(pc.createColors(color).dim(`   Run report written to ${reportPath}`))
    let failed = false
    if (this.options.failOnStale && report.totals.stale > 0) {
      const error = new RecordingError(
        'INVALID_OPTION',
        `${report.totals.stale} stale recording(s) and failOnStale is set: the run fails. Run \`${PRUNE_COMMAND}\` to remove them.`,
      )
      lines.push(pc.createColors(color).red(`   ${error.message}`))
      failed = true
    }
    process.stdout.write(`\n${lines.join('\n')}\n`)
    return failed ? { status: 'failed' } : undefined
  }

  printsToStdio(): boolean {
    return true
  }
}

export { FetchRecordingsReporter }

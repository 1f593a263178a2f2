/**
 * The Jest reporter: `reporters: ['default', 'fetch-recordings/jest-reporter']`.
 * Its constructor opens the run folder the environments write to (run-dir.ts); at the end of
 * the run it joins their outcomes with Jest's results, builds the core's report and prints the
 * summary, which ends with the commands that fix what it lists.
 * Options: `['fetch-recordings/jest-reporter', { failOnStale: true, reportFile: 'r.json' }]`:
 * failOnStale fails the run (exit code 1) when anything is stale; reportFile also writes the run
 * report as JSON (docs/report.md), which `fetch-recordings merge` joins across `--shard` runs.
 */
import type { AggregatedResult, Reporter, TestContext } from '@jest/reporters'
import type { Config } from '@jest/types'
import pc from 'picocolors'
import { endOfRun, fixCommandsOf, formatSummary, RecordingError } from '../src/index.js'
import { carryConfigFile } from './cli-override.js'
import { ensureRunDir, openRunDir, readEnvironmentReports, removeRunDir } from './run-dir.js'
import { runFactsOf } from './run-facts.js'

export interface ReporterOptions {
  /** Fail the run when a recording is stale (CI hygiene). Default false. */
  failOnStale?: boolean
  /** Also write the run report as JSON here (relative to rootDir; `{shard}` names the shard). */
  reportFile?: string
}

export const { updateCommand: UPDATE_COMMAND, pruneCommand: PRUNE_COMMAND } = fixCommandsOf('jest')

export default class FetchRecordingsReporter implements Reporter {
  private readonly runDir: string
  private lastError: Error | undefined

  constructor(
    private readonly globalConfig: Config.GlobalConfig,
    private readonly options: ReporterOptions = {},
  ) {
    const { reportFile } = options
    if (reportFile !== undefined && (typeof reportFile !== 'string' || reportFile === '')) {
      throw new RecordingError(
        'INVALID_OPTION',
        `jest-reporter option reportFile must be a path (relative to rootDir), got ${JSON.stringify(reportFile)}.`,
      )
    }
    carryConfigFile(process.argv, globalConfig.rootDir)
    this.runDir = openRunDir()
    // Jest can end without onRunComplete (no tests found, a crash): the folder goes anyway.
    const runDir = this.runDir
    process.once('exit', () => removeRunDir(runDir))
  }

  onRunStart(): void {
    this.lastError = undefined
    ensureRunDir(this.runDir)
  }

  onRunComplete(testContexts: Set<TestContext>, results: AggregatedResult): void {
    try {
      const reports = readEnvironmentReports(this.runDir)
      // No file ran with the fetch-recordings environment: nothing to say.
      if (reports.length === 0) return
      const { rootDir } = this.globalConfig
      const { report, reportPath } = endOfRun({
        facts: runFactsOf({ reports, results, globalConfig: this.globalConfig, testContexts }),
        runner: 'jest',
        rootDir,
        reportFile: this.options.reportFile,
      })
      const color = pc.isColorSupported
      const style = { rootDir, updateCommand: UPDATE_COMMAND, pruneCommand: PRUNE_COMMAND, color }
      const lines = [formatSummary(report, style)]
      if (reportPath) lines.push(pc.createColors(color).dim(`   Run report written to ${reportPath}`))
      if (this.options.failOnStale && report.totals.stale > 0) {
        this.lastError = new RecordingError(
          'INVALID_OPTION',
          `${report.totals.stale} stale recording(s) and failOnStale is set: the run fails. Run \`${PRUNE_COMMAND}\` to remove them.`,
        )
        lines.push(pc.createColors(color).red(`   ${this.lastError.message}`))
      }
      process.stderr.write(`\n${lines.join('\n')}\n`)
    } finally {
      removeRunDir(this.runDir)
    }
  }

  getLastError(): Error | undefined {
    return this.lastError
  }
}

export { FetchRecordingsReporter }

/**
 * What both reporters do when a run ends, once they have the run's facts: build the report,
 * write the report file if asked. The summary is printed for every run in which a test file
 * ran with fetch-recordings, also when nothing changed: it says the mode, which is what a user
 * needs to know most when nothing happened.
 */
import type { RunFacts, RunReport } from './report.js'
import { buildRunReport } from './report.js'
import { reportFileJson, writeReportFile } from './report-file.js'

export interface EndOfRunInput {
  facts: RunFacts
  runner: string
  rootDir: string
  /** The `reportFile` option, relative to rootDir; `{shard}` becomes the shard. */
  reportFile?: string | undefined
}

export interface EndOfRun {
  report: RunReport
  /** Where the report file went, if one was asked for. */
  reportPath?: string
}

export function endOfRun({ facts, runner, rootDir, reportFile }: EndOfRunInput): EndOfRun {
  const report = buildRunReport(facts)
  const result: EndOfRun = { report }
  if (reportFile)
    result.reportPath = writeReportFile(reportFile, reportFileJson({ runner, rootDir, facts, report }))
  return result
}

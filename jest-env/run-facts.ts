/**
 * Turns what Jest reports at the end of a run, plus the environments' reports, into the core's
 * RunFacts. Jest's results list every collected test of a file, run or not; a test excluded by
 * `-t` or `.only` is `pending` exactly like a `.skip` one, so "filtered" comes from the
 * environment, which saw circus' testNamePattern and hasFocusedTests.
 */
import type { AggregatedResult, TestContext } from '@jest/reporters'
import type { Config } from '@jest/types'
import type { RunFacts, TestFileRun, TestState } from '../src/index.js'
import { resultNameOf } from './names.js'
import type { EnvironmentReport } from './run-dir.js'

export interface FactsInput {
  reports: readonly EnvironmentReport[]
  results: AggregatedResult
  globalConfig: Config.GlobalConfig
  testContexts: ReadonlySet<TestContext>
}

export function runFactsOf({ reports, results, globalConfig, testContexts }: FactsInput): RunFacts {
  const byFile = new Map<string, EnvironmentReport[]>()
  for (const report of reports) byFile.set(report.testFile, [...(byFile.get(report.testFile) ?? []), report])
  const files: TestFileRun[] = []
  for (const result of results.testResults) {
    const mine = byFile.get(result.testFilePath)
    // A file that ran under another environment has nothing of ours to judge.
    if (!mine) continue
    files.push({
      testFile: result.testFilePath,
      tests: result.testResults.map((test) => ({ name: resultNameOf(test), state: stateOf(test.status) })),
      filtered: Boolean(globalConfig.testNamePattern) || mine.some((report) => report.filtered),
      collectFailed: Boolean(result.testExecError) || mine.some((report) => !report.collected),
    })
  }
  const roots = new Set<string>()
  for (const context of testContexts) for (const root of context.config.roots) roots.add(root)
  const facts: RunFacts = {
    mode: (reports[0] as EnvironmentReport).mode,
    files,
    outcomes: reports.flatMap((report) => report.outcomes),
    fullRun: isFullRun(globalConfig, results),
    roots: [...roots],
    customLayout: reports.some((report) => report.customLayout),
  }
  const { shard } = globalConfig
  if (shard && shard.shardCount > 1) facts.shard = { index: shard.shardIndex, count: shard.shardCount }
  return facts
}

function stateOf(status: string): TestState {
  if (status === 'passed' || status === 'failed' || status === 'todo') return status
  // pending (skipped, filtered, .only-excluded) and disabled
  return 'skipped'
}

/** Every test file (of the shard, if any) ran, unfiltered (see RunFacts.fullRun). */
function isFullRun(globalConfig: Config.GlobalConfig, results: AggregatedResult): boolean {
  const config = globalConfig as Config.GlobalConfig & { testPathPattern?: string }
  const narrowed =
    pathPatternsSet(config) ||
    Boolean(config.testPathPattern) || // Jest 29
    Boolean(config.testNamePattern) ||
    config.onlyChanged ||
    config.findRelatedTests ||
    Boolean(config.changedSince) ||
    config.lastCommit ||
    config.onlyFailures
  return !narrowed && !results.wasInterrupted && results.testResults.length === results.numTotalTestSuites
}

function pathPatternsSet(config: Config.GlobalConfig): boolean {
  // Jest 30: a TestPathPatterns object in the main process; an array after serialization.
  const patterns = config.testPathPatterns as unknown
  if (Array.isArray(patterns)) return patterns.length > 0
  const list = (patterns as { patterns?: unknown } | undefined)?.patterns
  return Array.isArray(list) && list.length > 0
}

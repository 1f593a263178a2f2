/**
 * A Playwright run as the core's RunFacts. The suite handed to reporters holds only the tests
 * that will run: `--grep`, `--project`, `.only`, `--last-failed`, `--only-changed` and file
 * arguments leave the others out, so any of them makes the run narrowed, and a narrowed run
 * judges only stale entries (of tests that ran and passed), never files or folders. Skipped,
 * fixme'd, failed and interrupted tests never make anything stale.
 */
import { resolve } from 'node:path'
import type { FullConfig, Suite, TestCase } from '@playwright/test/reporter'
import type { RecordingMode, RecordingOutcome, RunFacts, TestFileRun, TestState } from '../src/index.js'
import { projectRootOf, recordingNameOf } from './names.js'

export interface FactsInput {
  config: FullConfig
  suite: Suite
  mode: RecordingMode
  outcomes: RecordingOutcome[]
  argv: readonly string[]
}

export function runFactsOf({ config, suite, mode, outcomes, argv }: FactsInput): RunFacts {
  const narrowed = isNarrowed(config, suite, argv)
  const files = new Map<string, TestFileRun>()
  for (const test of suite.allTests()) {
    const testFile = test.location.file
    let file = files.get(testFile)
    if (!file) {
      file = { testFile, tests: [], filtered: narrowed, collectFailed: false }
      files.set(testFile, file)
    }
    // titlePath: root '', project, file, describes..., title.
    const name = recordingNameOf(test.titlePath().slice(3), test.parent.project()?.name ?? '')
    file.tests.push({ name, state: stateOf(test) })
  }
  const facts: RunFacts = {
    mode,
    files: [...files.values()],
    outcomes,
    fullRun: !narrowed,
    roots: [...new Set(config.projects.map((project) => project.testDir))],
    customLayout: false,
  }
  if (config.shard && config.shard.total > 1)
    facts.shard = { index: config.shard.current, count: config.shard.total }
  return facts
}

function stateOf(test: TestCase): TestState {
  const last = test.results.at(-1)
  if (!last || last.status === 'skipped' || last.status === 'interrupted') return 'skipped'
  const outcome = test.outcome()
  return outcome === 'expected' || outcome === 'flaky'
    ? test.expectedStatus === 'passed'
      ? 'passed'
      : 'failed'
    : 'failed'
}

function isNarrowed(config: FullConfig, suite: Suite, argv: readonly string[]): boolean {
  const grepSet = (grep: RegExp | RegExp[]) => [grep].flat().some((pattern) => pattern.source !== '.*')
  const projectsRun = new Set(suite.suites.map((project) => project.title))
  return (
    grepSet(config.grep) ||
    config.grepInvert !== null ||
    config.projects.some((project) => grepSet(project.grep) || project.grepInvert !== null) ||
    config.projects.some((project) => !projectsRun.has(project.name)) ||
    hasFocused(suite) ||
    cliNarrows(argv, projectRootOf(config))
  )
}

/** `.only` somewhere (Playwright keeps it as `_only` on tests and suites; not public API). */
function hasFocused(suite: Suite): boolean {
  if ((suite as unknown as { _only?: boolean })._only) return true
  if (suite.tests.some((test) => (test as unknown as { _only?: boolean })._only)) return true
  return suite.suites.some(hasFocused)
}

/** Options that take a value (so the next word is not a file filter). */
const VALUE_OPTIONS = new Set([
  '-c',
  '--config',
  '-j',
  '--workers',
  '--reporter',
  '--retries',
  '--repeat-each',
  '--timeout',
  '--global-timeout',
  '--max-failures',
  '--output',
  '--trace',
  '--tsconfig',
  '--shard',
  '--update-source-method',
])
const NARROWING_OPTIONS = /^(-g|--grep|--grep-invert|--project|--last-failed|--only-changed)(=|$)/

/** `playwright test e2e/chat.spec.ts --last-failed`: file arguments and narrowing flags. */
function cliNarrows(argv: readonly string[], rootDir: string): boolean {
  const start = argv.indexOf('test')
  if (start === -1) return false
  const words = argv.slice(start + 1)
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string
    if (NARROWING_OPTIONS.test(word)) return true
    if (VALUE_OPTIONS.has(word)) i++
    else if (!word.startsWith('-') && resolve(rootDir, word) !== resolve(rootDir)) return true
  }
  return false
}

/**
 * The contract every runner integration must pass, written once: fixture test files plus, for
 * each run, what must come out (exit code, summary counts, recording files, output lines).
 * The fixtures are plain JavaScript that uses only runner globals (`describe`, `test`, `expect`,
 * hooks) and the global `fetch`, so the same text runs under Jest (CommonJS, no transform) and
 * Vitest (`globals: true`). A runner's e2e suite supplies a `ContractRunner` (how to make a
 * project and run it) and calls `runScenario` for every scenario that lists it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { defaultRecordingPath } from '../../src/files/paths.js'
import { type FakeApi, startFakeApi } from './fake-apis.js'

export type Runner = 'jest' | 'vitest'

/** A recording by test file and full test name (`describe > test`); '' is the file-level one. */
export interface RecordingRef {
  file: string
  test: string
}

export interface Counts {
  replayed: number
  written: number
  updated: number
  stale: number
  removed: number
  mode: 'replay' | 'new' | 'update' | 'live'
}

export interface ContractStep {
  title: string
  /** Written (text) or deleted (null) before this run; paths relative to the project. */
  files?: Record<string, string | null>
  env?: Record<string, string>
  /** Run only tests whose full name matches (`-t`). */
  testNamePattern?: string
  /**
   * Recording files changed by hand before this run: new text, a function of the current text,
   * or 'folder' (the path becomes an empty folder).
   */
  recordings?: Array<RecordingRef & { edit: string | ((text: string) => string) | 'folder' }>
  /** 'down': the API is closed before this run and stays closed (its port cannot come back). */
  api?: 'up' | 'down'
  expect: {
    exitCode: number
    summary: Counts
    /** Text the output must hold; `$UPDATE_COMMAND` stands for the runner's update command. */
    output?: string[]
    notOutput?: string[]
    /** Requests the API received during this run. */
    apiRequests?: number
    present?: RecordingRef[]
    absent?: RecordingRef[]
    /** The last user message of every stored request, in order. */
    prompts?: Array<RecordingRef & { prompts: string[] }>
    testIds?: Array<RecordingRef & { testId: string }>
    /** Tests the runner reports passed and failed (a file that fails to run reports none). */
    tests?: { passed: number; failed: number }
  }
}

export interface ContractScenario {
  name: string
  /** Runners whose API the fixtures use (default: every runner). */
  runners?: Runner[]
  files: Record<string, string>
  /** Options of the runner integration (Vitest plugin options, Jest testEnvironmentOptions). */
  options?: Record<string, unknown>
  steps: ContractStep[]
}

export interface ContractProject {
  dir: string
  write(path: string, text: string): void
  remove(path: string): void
  run(options: { env: Record<string, string>; testNamePattern?: string }): Promise<{
    exitCode: number
    output: string
  }>
  cleanup(): void
}

export interface ContractRunner {
  name: Runner
  updateCommand: string
  createProject(files: Record<string, string>, options?: Record<string, unknown>): ContractProject
}

export { SCENARIOS } from './contract-scenarios.js'

/** Runs one scenario through a runner, step by step, asserting every expectation. */
export async function runScenario(scenario: ContractScenario, runner: ContractRunner): Promise<void> {
  const api = await startFakeApi()
  const project = runner.createProject(scenario.files, scenario.options)
  try {
    for (const step of scenario.steps) await runStep(step, project, api, runner)
  } finally {
    project.cleanup()
    await api.close()
  }
}

async function runStep(
  step: ContractStep,
  project: ContractProject,
  api: FakeApi,
  runner: ContractRunner,
): Promise<void> {
  for (const [path, text] of Object.entries(step.files ?? {})) {
    if (text === null) project.remove(path)
    else project.write(path, text)
  }
  for (const { edit, ...recording } of step.recordings ?? []) editRecording(project, recording, edit)
  if (step.api === 'down') await api.close()
  const before = api.requests.length
  const result = await project.run({
    env: { ...step.env, API_URL: api.url },
    ...(step.testNamePattern ? { testNamePattern: step.testNamePattern } : {}),
  })
  const context = `[${runner.name}] ${step.title}\n${result.output}`
  const wanted = step.expect
  expect(result.exitCode, context).toBe(wanted.exitCode)
  // Vitest prints no summary when every count is zero and nothing else happened; Jest always does.
  const silent = runner.name === 'vitest' && isQuiet(wanted.summary) && summaryOf(result.output) === undefined
  if (!silent) expect(summaryOf(result.output), context).toEqual(wanted.summary)
  for (const text of wanted.output ?? [])
    expect(result.output, context).toContain(text.replaceAll('$UPDATE_COMMAND', runner.updateCommand))
  for (const text of wanted.notOutput ?? []) expect(result.output, context).not.toContain(text)
  if (wanted.apiRequests !== undefined) expect(api.requests.length - before, context).toBe(wanted.apiRequests)
  const path = (recording: RecordingRef) => recordingPath(project, recording)
  for (const recording of wanted.present ?? [])
    expect(existsSync(path(recording)), `${context}\n${path(recording)}`).toBe(true)
  for (const recording of wanted.absent ?? [])
    expect(existsSync(path(recording)), `${context}\n${path(recording)}`).toBe(false)
  const load = (recording: RecordingRef) => JSON.parse(readFileSync(path(recording), 'utf8'))
  for (const { prompts, ...recording } of wanted.prompts ?? []) {
    const stored = load(recording).interactions.map(
      (interaction: any) => interaction.request.body.messages.at(-1).content,
    )
    expect(stored, `${context}\n${recording.test}`).toEqual(prompts)
  }
  if (wanted.tests) expect(testCountsOf(result.output), context).toEqual(wanted.tests)
  for (const { testId, ...recording } of wanted.testIds ?? [])
    expect(load(recording).test_id, context).toBe(testId)
}

function isQuiet(counts: Counts): boolean {
  return counts.replayed + counts.written + counts.updated + counts.stale + counts.removed === 0
}

/** The path of a recording of a contract project. */
export function recordingPath(project: { dir: string }, recording: RecordingRef): string {
  return defaultRecordingPath({ testFile: join(project.dir, recording.file), testName: recording.test })
}

function editRecording(
  project: ContractProject,
  recording: RecordingRef,
  edit: NonNullable<ContractStep['recordings']>[number]['edit'],
): void {
  const path = recordingPath(project, recording)
  if (edit === 'folder') {
    rmSync(path, { force: true })
    mkdirSync(path, { recursive: true })
  } else {
    writeFileSync(path, typeof edit === 'string' ? edit : edit(readFileSync(path, 'utf8')))
  }
}

/** Passed and failed tests from the runner's own last line (Jest `Tests: 1 failed, 2 passed, 3 total`, Vitest `Tests  1 failed | 2 passed (3)`). */
export function testCountsOf(output: string): { passed: number; failed: number } {
  const line = /^\s*Tests:?\s+(.*\d.*)$/m.exec(output)?.[1] ?? ''
  const count = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(line)?.[1] ?? 0)
  return { passed: count('passed'), failed: count('failed') }
}

/** The counts of the summary line both reporters print (core formatSummary). */
export function summaryOf(output: string): Counts | undefined {
  const match =
    /Recordings\s+(\d+) replayed \| (\d+) written \| (\d+) updated \| (\d+) stale \| (\d+) removed \(mode: (\w+)\)/.exec(
      output,
    )
  if (!match) return undefined
  const [, replayed, written, updated, stale, removed, mode] = match
  return {
    replayed: Number(replayed),
    written: Number(written),
    updated: Number(updated),
    stale: Number(stale),
    removed: Number(removed),
    mode: mode as Counts['mode'],
  }
}

/**
 * The contract every runner integration must pass, written once: fixture test files plus, for
 * each run, what must come out (exit code, summary counts, recording files, output lines).
 * The fixtures are plain JavaScript that uses only runner globals (`describe`, `test`, `expect`,
 * hooks) and the global `fetch`, so the same text runs under Jest (CommonJS, no transform) and
 * Vitest (`globals: true`). A runner's e2e suite supplies a `ContractRunner` (how to make a
 * project and run it) and calls `runScenario` for every scenario that lists it.
 */
import { existsSync, readFileSync } from 'node:fs'
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
  }
}

export interface ContractScenario {
  name: string
  /** Runners whose API the fixtures use (default: every runner). */
  runners?: Runner[]
  files: Record<string, string>
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
  createProject(files: Record<string, string>): ContractProject
}

export { SCENARIOS } from './contract-scenarios.js'

/** Runs one scenario through a runner, step by step, asserting every expectation. */
export async function runScenario(scenario: ContractScenario, runner: ContractRunner): Promise<void> {
  const api = await startFakeApi()
  const project = runner.createProject(scenario.files)
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
  if (step.api === 'down') await api.close()
  const before = api.requests.length
  const result = await project.run({
    env: { ...step.env, API_URL: api.url },
    ...(step.testNamePattern ? { testNamePattern: step.testNamePattern } : {}),
  })
  const context = `[${runner.name}] ${step.title}\n${result.output}`
  const wanted = step.expect
  expect(result.exitCode, context).toBe(wanted.exitCode)
  expect(summaryOf(result.output), context).toEqual(wanted.summary)
  for (const text of wanted.output ?? [])
    expect(result.output, context).toContain(text.replaceAll('$UPDATE_COMMAND', runner.updateCommand))
  for (const text of wanted.notOutput ?? []) expect(result.output, context).not.toContain(text)
  if (wanted.apiRequests !== undefined) expect(api.requests.length - before, context).toBe(wanted.apiRequests)
  const path = (recording: RecordingRef) =>
    defaultRecordingPath({ testFile: join(project.dir, recording.file), testName: recording.test })
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
  for (const { testId, ...recording } of wanted.testIds ?? [])
    expect(load(recording).test_id, context).toBe(testId)
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

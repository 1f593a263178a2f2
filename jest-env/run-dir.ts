/**
 * The channel from Jest's workers to the reporter. Jest has no way for an environment to send
 * data to a reporter, but workers inherit the main process's environment variables: the
 * reporter's constructor (which runs before any worker starts) creates a folder and announces it
 * in FETCH_RECORDINGS_RUN_DIR, and every environment leaves its test file's outcomes there as one
 * JSON file. The only module of the Jest integration that touches the file system.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RecordingMode, RecordingOutcome } from '../src/index.js'

export const RUN_DIR_ENV = 'FETCH_RECORDINGS_RUN_DIR'
const REPORT_SUFFIX = '.outcomes.json'

/** What one environment (one test file in one project) tells the reporter. Plain JSON. */
export interface EnvironmentReport {
  testFile: string
  mode: RecordingMode
  /** resolveRecordingPath was set: the layout is the user's, files and folders are not judged. */
  customLayout: boolean
  /** Tests were filtered by name (testNamePattern) or by `.only` in this file. */
  filtered: boolean
  /** The file loaded and its tests ran (false when the module threw while loading). */
  collected: boolean
  outcomes: RecordingOutcome[]
}

/** Creates the run folder and announces it to the workers that are yet to start. */
export function openRunDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fetch-recordings-jest-'))
  process.env[RUN_DIR_ENV] = dir
  return dir
}

/** Watch mode runs again after a run removed the folder: the same path is made again. */
export function ensureRunDir(dir: string): void {
  mkdirSync(dir, { recursive: true })
}

/** The folder announced by the reporter, if one runs. */
export function announcedRunDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[RUN_DIR_ENV] || undefined
}

/** Atomic (temp file + rename): the reporter never reads half a report. */
export function writeEnvironmentReport(dir: string, report: EnvironmentReport): void {
  const name = `${process.pid}-${randomBytes(6).toString('hex')}`
  const temp = join(dir, `.${name}.tmp`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(temp, `${JSON.stringify(report)}\n`)
  renameSync(temp, join(dir, `${name}${REPORT_SUFFIX}`))
}

export function readEnvironmentReports(dir: string): EnvironmentReport[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return names
    .filter((name) => name.endsWith(REPORT_SUFFIX))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as EnvironmentReport)
}

export function removeRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/**
 * Helpers for the core tests: real temp folders, one recorder per session (installed and
 * disposed around one test run), and readers for what ended up on disk.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import {
  createRecorder,
  type Interaction,
  type Recorder,
  type RecorderOptions,
  type RecordingError,
  type RecordingFile,
  type RecordingMode,
  type RecordingOutcome,
  type StoredResponse,
  type TestStatus,
} from '../../src/index.js'

const dirs: string[] = []

/** A fresh temp folder, removed after the current test. */
export function tempDir(prefix = 'fr-core-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

export const TEST_FILE = 'case.test.ts'

export interface SessionOptions extends RecorderOptions {
  testName?: string
  testFile?: string
  status?: TestStatus
}

export interface SessionResult<T> {
  result: T | undefined
  /** What `fn` threw (the test itself failed). */
  thrown: unknown
  outcome: RecordingOutcome
  /** The error the integration would fail the test with. */
  error: RecordingError | undefined
  path: string
}

/**
 * One test attempt, as an integration drives it: a recorder is created and installed, the test
 * runs bound to it, finishes, and the recorder is disposed (always, even when `fn` throws).
 */
export async function session<T>(
  dir: string,
  mode: RecordingMode,
  fn: () => Promise<T>,
  options: SessionOptions = {},
): Promise<SessionResult<T>> {
  const { testName = 'suite > case', testFile = TEST_FILE, status, ...recorderOptions } = options
  const recorder: Recorder = createRecorder({ env: {}, argv: [], rootDir: dir, ...recorderOptions, mode })
  recorder.install()
  try {
    const run = recorder.startTest({ testFile: join(dir, testFile), testName })
    let result: T | undefined
    let thrown: unknown
    try {
      result = await run.run(fn)
    } catch (error) {
      thrown = error
    }
    // As the integrations do: what the test left in flight is waited for (bounded) first.
    await run.settle()
    const outcome = run.finish({ status: status ?? (thrown ? 'failed' : 'passed') })
    return { result, thrown, outcome, error: run.error(), path: outcome.path }
  } finally {
    await recorder.dispose()
  }
}

/** Every file under a folder (recursively), as absolute paths. */
export function allFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...allFiles(path))
    else out.push(path)
  }
  return out
}

export function recordingFolder(dir: string, testFile = TEST_FILE): string {
  return join(dir, '__recordings__', testFile)
}

export function recordingFiles(dir: string, testFile = TEST_FILE): string[] {
  try {
    return readdirSync(recordingFolder(dir, testFile))
      .filter((name) => name.endsWith('.json'))
      .map((name) => join(recordingFolder(dir, testFile), name))
  } catch {
    return []
  }
}

/** A recording read back; tests look at responses (an aborted request's is undefined at run time). */
export type ReadRecording = Omit<RecordingFile, 'interactions'> & {
  interactions: Array<Interaction & { response: StoredResponse }>
}

export function readRecording(path: string): ReadRecording {
  return JSON.parse(readFileSync(path, 'utf8')) as ReadRecording
}

/** Identity of one version of a file: an atomic rewrite changes the inode, a write the mtime. */
export function fileVersion(path: string): string {
  const stat = statSync(path, { bigint: true })
  return `${stat.ino}:${stat.mtimeNs}:${stat.size}`
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: (await response.json()) as any }
}

/** Reads a body chunk by chunk: how many reads the client got, and the text. */
export async function readChunks(
  response: Response,
): Promise<{ reads: number; chunks: string[]; text: string }> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  const chunks: string[] = []
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(decoder.decode(value, { stream: true }))
  }
  const text = chunks.join('') + decoder.decode()
  return { reads: chunks.length, chunks, text }
}

/** The SSE events of a text, one string per event (without the blank line). */
export function sseEvents(text: string): string[] {
  return text.split('\n\n').filter(Boolean)
}

/** The `RecordingError` a rejected fetch carries (fetch wraps dispatcher errors in `cause`). */
export function recordingErrorOf(error: unknown): RecordingError | undefined {
  for (let current: any = error, depth = 0; current && depth < 5; current = current.cause, depth++) {
    if (current.name === 'RecordingError') return current as RecordingError
  }
  return undefined
}

export const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content }],
  ...extra,
})

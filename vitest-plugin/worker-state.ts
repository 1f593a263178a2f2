/**
 * One Recorder per worker, installed once. Vitest evaluates the setup file again for every test
 * file, with `--no-isolate` in the same module graph, and in the vm pools in a fresh vm context
 * each time: module scope is not "the worker". The global of fetch's own realm is (under the vm
 * pools `globalThis` is the vm context; fetch, its dispatcher slot and this state are outside).
 */
import type { Recorder } from '../src/index.js'

const STATE = Symbol.for('fetch-recordings.vitest.worker')

export interface WorkerState {
  /** The settings the recorder was made from; other settings (another project) get another one. */
  key: string
  recorder: Recorder
  /** The test file whose file-level recording is open; left open when a file was cut short. */
  openFile: string | undefined
}

export function workerState(key: string, create: () => Recorder): WorkerState {
  const realm = outerRealm() as Record<symbol, WorkerState | undefined>
  const existing = realm[STATE]
  if (existing?.key === key) return existing
  if (existing) {
    // Never two dispatchers: the one made for other settings goes before the new one is installed.
    existing.recorder.dispose().catch((error: unknown) => {
      process.emitWarning(`fetch-recordings: disposing a previous recorder failed: ${String(error)}`)
    })
  }
  const state: WorkerState = { key, recorder: create(), openFile: undefined }
  realm[STATE] = state
  return state
}

function outerRealm(): object {
  const fetchFunction = (globalThis as { fetch?: unknown }).fetch
  if (typeof fetchFunction !== 'function') return globalThis
  // fetch's own Function constructor evaluates in fetch's realm: the worker's, not a vm context.
  return (fetchFunction.constructor as FunctionConstructor)('return globalThis')() as object
}

/**
 * Worker threads are not recorded: a `worker_threads.Worker` has its own globalThis, its own
 * dispatcher slots and its own copy of every module, so nothing the recorder installs reaches
 * it. In a run that only replays (replay and CI), a worker's request would go live. So, while
 * installed, every Worker created is started with a preload (worker-preload.ts) that refuses
 * its connections to non-loopback hosts and its fetches to non-loopback origins, unless they
 * are passthrough. The class is replaced (the constructor of a builtin class cannot be patched)
 * by a constructor that keeps `instanceof` and subclassing working.
 */
import { syncBuiltinESMExports } from 'node:module'
import type { WorkerOptions } from 'node:worker_threads'
import type { PassthroughOption } from '../../config/passthrough.js'
import { builtFile } from '../../module-file.js'
import { builtinModule } from '../builtin.js'
import { encodeWorkerGuardSettings, WORKER_GUARD_ENV } from './worker-settings.js'

type WorkerModule = typeof import('node:worker_threads')
type WorkerClass = WorkerModule['Worker']

export function guardWorkerThreads(passthrough: PassthroughOption): () => void {
  const workerThreads = builtinModule<WorkerModule>('node:worker_threads')
  const Original = workerThreads.Worker
  const preload = builtFile('worker-preload.cjs')
  const settings = encodeWorkerGuardSettings(passthrough)
  const GuardedWorker = function (this: unknown, filename: string | URL, options: WorkerOptions = {}) {
    if (!new.target) return Reflect.apply(Original, this, [filename, options])
    return constructGuarded(Original, new.target, filename, withPreload(options, preload, settings))
  } as unknown as WorkerClass
  Object.setPrototypeOf(GuardedWorker, Original)
  Object.defineProperty(GuardedWorker, 'prototype', { value: Original.prototype })
  Object.defineProperty(GuardedWorker, 'name', { value: 'Worker' })
  workerThreads.Worker = GuardedWorker
  syncBuiltinESMExports()
  const sharedBefore = process.env[WORKER_GUARD_ENV]
  process.env[WORKER_GUARD_ENV] = settings
  return () => {
    if (sharedBefore === undefined) delete process.env[WORKER_GUARD_ENV]
    else process.env[WORKER_GUARD_ENV] = sharedBefore
    if (workerThreads.Worker !== GuardedWorker) return
    workerThreads.Worker = Original
    syncBuiltinESMExports()
  }
}

function withPreload(options: WorkerOptions, preload: string, settings: string): WorkerOptions {
  const { SHARE_ENV } = builtinModule<WorkerModule>('node:worker_threads')
  // Inherited or shared, the environment is the parent's, which holds the settings already.
  const env =
    options.env && options.env !== SHARE_ENV
      ? { ...(options.env as NodeJS.ProcessEnv), [WORKER_GUARD_ENV]: settings }
      : options.env
  // Without execArgv a worker inherits the parent's; given one, it inherits nothing, so the
  // parent's (a --require, --import or --conditions a test setup relies on) are passed on.
  const execArgv = [...(options.execArgv ?? process.execArgv), '--require', preload]
  return { ...options, env, execArgv }
}

/**
 * The parent's own execArgv may hold flags a worker refuses (V8's --max-old-space-size, the
 * process-wide --title): Node names them in its error, and the worker starts without them, as
 * it would when inheriting.
 */
function constructGuarded(
  Original: WorkerClass,
  target: Function,
  filename: string | URL,
  options: WorkerOptions,
): object {
  try {
    return Reflect.construct(Original, [filename, options], target)
  } catch (error) {
    const refused = refusedFlagsOf(error)
    if (!refused) throw error
    const execArgv = (options.execArgv ?? []).filter((flag) => !refused.has(String(flag)))
    return Reflect.construct(Original, [filename, { ...options, execArgv }], target)
  }
}

function refusedFlagsOf(error: unknown): Set<string> | undefined {
  if ((error as { code?: string })?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return undefined
  const listed = /flags: (.*)$/.exec(String((error as Error).message))?.[1]
  return listed ? new Set(listed.split(', ')) : undefined
}

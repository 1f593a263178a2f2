/**
 * Wraps test and hook functions so that everything they start is bound to a test's recording,
 * and so that a replay miss fails them with the library's explanation.
 * Why a wrapper: AsyncLocalStorage entered in handleTestEvent does not reach the test function
 * (measured, docs/jest.md); a wrapper that calls the function inside `run.run()` does, through
 * every await, timer and stream, also when test.concurrent tests interleave.
 */
import type { RecordingError, TestRun } from '../src/index.js'

export interface Scope {
  /** The test the call belongs to; undefined leaves it unbound (the file-level recording). */
  run: TestRun | undefined
  /** The test may not run at all: it fails with this (a namesake of an earlier test). */
  refusal?: RecordingError | undefined
  /** A miss of this scope not reported yet; taking it marks it reported. */
  takeMiss(): RecordingError | undefined
}

type AnyFunction = (this: any, ...args: any[]) => any

export function bindToScope<F extends AnyFunction>(fn: F, scopeOf: () => Scope | undefined): F {
  // A generator's body runs on next(), outside any wrapper's context: left as it is (docs/jest.md).
  if (fn.constructor?.name === 'GeneratorFunction') return fn
  const bound = function (this: unknown, ...args: unknown[]): unknown {
    const scope = scopeOf()
    if (!scope) return fn.apply(this, args)
    if (scope.refusal) throw scope.refusal
    const call = () => callInScope(fn, this, args, scope)
    return scope.run ? scope.run.run(call) : call()
  }
  // circus passes `done` only to functions that declare a parameter (fn.length > 0).
  Object.defineProperty(bound, 'length', { value: fn.length })
  Object.defineProperty(bound, 'name', { value: fn.name })
  return bound as unknown as F
}

/**
 * Calls `fn`; when it ends, a miss recorded meanwhile wins over whatever happened: an SDK that
 * caught the network error and retried (or the test that caught it) would otherwise hide why.
 */
function callInScope(fn: AnyFunction, self: unknown, args: unknown[], scope: Scope): unknown {
  const usesDone = fn.length > 0 && typeof args[0] === 'function'
  if (usesDone) {
    const done = args[0] as (reason?: unknown) => void
    args = [(reason?: unknown) => done(scope.takeMiss() ?? reason), ...args.slice(1)]
  }
  let result: unknown
  try {
    result = fn.apply(self, args)
  } catch (error) {
    throw scope.takeMiss() ?? error
  }
  if (isPromiseLike(result)) {
    return result.then(
      (value) => {
        const miss = scope.takeMiss()
        if (miss) throw miss
        return value
      },
      (error: unknown) => {
        throw scope.takeMiss() ?? error
      },
    )
  }
  if (!usesDone) {
    const miss = scope.takeMiss()
    if (miss) throw miss
  }
  return result
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  )
}

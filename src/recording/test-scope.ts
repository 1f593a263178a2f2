/**
 * Which test the current async context belongs to, kept where nothing prints it.
 *
 * On Node 20 and 22 an AsyncLocalStorage's value sits on every promise and async resource made
 * in its context (under a symbol). A runner that prints such a promise (a failed `toEqual` whose
 * diff holds a Promise or a Response) walks from it into the value: were that the test's run, it
 * would reach the recorder, its secrets and the whole environment (found from outside: the keys
 * were printed in the failure). So the context holds an empty frozen token, and the run is found
 * through a map in a private field, which no printer or inspector walks.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export class TestScope<T extends object> {
  readonly #storage = new AsyncLocalStorage<object>()
  readonly #tokens = new WeakMap<T, object>()
  readonly #values = new WeakMap<object, T>()

  run<R>(value: T, fn: () => R): R {
    return this.#storage.run(this.#tokenOf(value), fn)
  }

  current(): T | undefined {
    const token = this.#storage.getStore()
    return token === undefined ? undefined : this.#values.get(token)
  }

  /** See AsyncLocalStorage.disable: an enabled storage costs every later promise of the process. */
  disable(): void {
    this.#storage.disable()
  }

  #tokenOf(value: T): object {
    const known = this.#tokens.get(value)
    if (known !== undefined) return known
    const token: object = Object.freeze(Object.create(null))
    this.#tokens.set(value, token)
    this.#values.set(token, value)
    return token
  }
}

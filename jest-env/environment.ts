/**
 * The Jest test environment: `testEnvironment: 'fetch-recordings/jest-env'`.
 * jest-environment-node plus a RecordingsSession (session.ts). Jest `require`s this module and
 * takes `exports.default` when `__esModule` is set (jest-util requireOrImportModule), which is
 * what the CJS build exports; `TestEnvironment` is exported too, like Jest's own environments.
 * `withFetchRecordings(Base)` gives any other environment (jsdom, a custom one) the same powers.
 */
import type { EnvironmentContext, JestEnvironment, JestEnvironmentConfig } from '@jest/environment'
import type { Circus } from '@jest/types'
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node'
import { RecordingsSession } from './session.js'

export type { EnvironmentOptions } from './options.js'
export { RecordingsSession } from './session.js'

/** A Jest environment whose event handler, if any, is a method (so subclasses can call super). */
interface EnvironmentLike {
  global: JestEnvironment['global']
  getVmContext(): ReturnType<JestEnvironment['getVmContext']>
  setup(): Promise<void>
  teardown(): Promise<void>
  handleTestEvent?(event: Circus.Event, state: Circus.State): void | Promise<void>
}
type EnvironmentClass = new (...args: any[]) => EnvironmentLike

export function withFetchRecordings<Base extends EnvironmentClass>(Base: Base) {
  return class FetchRecordingsEnvironment extends Base {
    readonly fetchRecordings: RecordingsSession

    constructor(...args: any[]) {
      const [config, context] = args as [JestEnvironmentConfig, EnvironmentContext]
      // Built before super(): the base must not see our testEnvironmentOptions (it copies
      // them onto the test's global).
      const session = new RecordingsSession(config, context)
      super(session.baseConfig, context, ...args.slice(2))
      this.fetchRecordings = session
    }

    override async setup(): Promise<void> {
      await super.setup()
      await this.fetchRecordings.setup(this.global)
    }

    // Synchronous unless the base has a handler of its own, or a test is done (its in-flight
    // requests are waited for): circus does not await the events it dispatches synchronously.
    override handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
      const inherited: unknown = (Base.prototype as EnvironmentLike).handleTestEvent?.call(this, event, state)
      if (inherited instanceof Promise) {
        return inherited.then(() => this.fetchRecordings.handleTestEvent(event, state))
      }
      return this.fetchRecordings.handleTestEvent(event, state)
    }

    override async teardown(): Promise<void> {
      try {
        await this.fetchRecordings.teardown()
      } finally {
        await super.teardown()
      }
    }
  }
}

const FetchRecordingsEnvironment = withFetchRecordings(NodeEnvironment)

export default FetchRecordingsEnvironment
export { FetchRecordingsEnvironment as TestEnvironment }

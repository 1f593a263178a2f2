/**
 * What a recorder redacts before it writes (and from file names, miss messages, reports): the
 * credentials requests of this process carried, and the environment's, read again when asked
 * (a `beforeAll` or a setup file that sets `process.env.X` runs after the recorder was made).
 */
import { isSearchable } from '../privacy/credential-values.js'
import { credentialsOfEnvironment } from '../privacy/environment.js'
import { redactText } from '../privacy/redact-text.js'
import { type SecretMatcher, secretMatcherOf } from '../privacy/secret-encodings.js'

/**
 * Request credentials are kept for the whole process, not one recorder: Jest makes a recorder
 * per test file in a long-lived worker, and a key one file sent may be echoed in a later file's
 * answer. Another process (an isolated Vitest fork, another Jest worker) cannot know them.
 */
const requestSecretsOfProcess = new Set<string>()

/**
 * Its fields are private (`#`): a runner printing a value that reaches this object (a failure's
 * diff) shows none of them.
 */
export class RunSecrets {
  readonly #seen = requestSecretsOfProcess
  readonly #env: NodeJS.ProcessEnv
  #list: readonly string[] | undefined
  /** How many request secrets `list` holds: another recorder of the process may have added some. */
  #listedRequestSecrets = 0
  /**
   * Every credential the environment held at any read of this run, in the order first seen: a
   * key a `beforeAll` replaced is still a key (a later test named after it, an echo of it).
   */
  readonly #environment = new Set<string>()
  #lastRead: readonly string[] | undefined
  #matcher: { of: readonly string[]; matcher: SecretMatcher } | undefined

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env
    this.rereadEnvironment()
  }

  /** Adds a request's credentials to the run's; returns every secret known now. */
  including(requestSecrets: readonly string[]): readonly string[] {
    for (const secret of requestSecrets) {
      // A short value or a word is redacted where it stood; searched for, it would hit answers.
      if (isSearchable(secret)) this.#seen.add(secret)
    }
    // Rebuilt only when a new secret appears: this runs on every request.
    if (this.#list === undefined || this.#listedRequestSecrets !== this.#seen.size) {
      this.#list = [...this.#seen, ...this.#environment]
      this.#listedRequestSecrets = this.#seen.size
    }
    return this.#list
  }

  /** Every secret to redact before a write, with the environment read again now. */
  current(): readonly string[] {
    this.rereadEnvironment()
    return this.including([])
  }

  /**
   * A text for a log, an error or a report (a miss message, a test name): redacted with every
   * secret known now, as a recording's strings are (token formats, credential-named fields).
   */
  shown(text: string): string {
    const secrets = this.current()
    if (this.#matcher?.of !== secrets) this.#matcher = { of: secrets, matcher: secretMatcherOf(secrets) }
    return redactText(text, this.#matcher.matcher, new Set())
  }

  rereadEnvironment(): void {
    const now = credentialsOfEnvironment(this.#env)
    // The same array while the environment is unchanged (environment.ts): nothing to add.
    if (now === this.#lastRead) return
    this.#lastRead = now
    const before = this.#environment.size
    for (const value of now) this.#environment.add(value)
    if (this.#environment.size !== before) this.#list = undefined
  }
}

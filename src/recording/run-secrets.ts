/**
 * What a recorder redacts before it writes (and from file names): the credentials requests of
 * this run carried, and the environment's, read again when asked (a `beforeAll` or a setup file
 * that sets `process.env.X` runs after the recorder was made).
 */
import { isSearchable } from '../privacy/credential-values.js'
import { credentialsOfEnvironment } from '../privacy/environment.js'

export class RunSecrets {
  private readonly seen = new Set<string>()
  private list: readonly string[] | undefined
  /**
   * Every credential the environment held at any read of this run, in the order first seen: a
   * key a `beforeAll` replaced is still a key (a later test named after it, an echo of it).
   */
  private readonly environment = new Set<string>()
  private lastRead: readonly string[] | undefined

  constructor(private readonly env: NodeJS.ProcessEnv) {
    this.rereadEnvironment()
  }

  /** Adds a request's credentials to the run's; returns every secret known now. */
  including(requestSecrets: readonly string[]): readonly string[] {
    let grew = this.list === undefined
    for (const secret of requestSecrets) {
      // A short value or a word is redacted where it stood; searched for, it would hit answers.
      if (isSearchable(secret) && !this.seen.has(secret)) {
        this.seen.add(secret)
        grew = true
      }
    }
    // Rebuilt only when a new secret appears: this runs on every request.
    if (grew) this.list = [...this.seen, ...this.environment]
    return this.list as readonly string[]
  }

  /** Every secret to redact before a write, with the environment read again now. */
  current(): readonly string[] {
    this.rereadEnvironment()
    return this.including([])
  }

  rereadEnvironment(): void {
    const now = credentialsOfEnvironment(this.env)
    // The same array while the environment is unchanged (environment.ts): nothing to add.
    if (now === this.lastRead) return
    this.lastRead = now
    const before = this.environment.size
    for (const value of now) this.environment.add(value)
    if (this.environment.size !== before) this.list = undefined
  }
}

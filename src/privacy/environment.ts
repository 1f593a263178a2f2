/**
 * Credentials in the environment, read when each test file starts (a setup file's
 * `dotenv/config` or a `beforeAll` that sets `process.env.X` is then seen). Only values that
 * look like credentials count: `DB_PASSWORD=password` or `KEYCLOAK_URL=http://…` must not turn
 * a word or an origin into `[redacted]` across every recording. For a URL, its password
 * (unless it is a plain word: `postgres://app:password@db` edits no answer).
 */
import { isCredentialVariable } from './credential-names.js'
import { isSearchable } from './credential-values.js'

/** What the last read of one environment saw: its variables in order, and what they gave. */
interface EnvironmentRead {
  names: string[]
  values: string[]
  credentials: readonly string[]
}

const lastReads = new WeakMap<object, EnvironmentRead>()

/**
 * Read again before every test and every write (recorder.ts), so it must be cheap when nothing
 * changed, which is nearly always: the variables are compared with the last read's, and only
 * a difference judges them again. The same array comes back while nothing changed (callers
 * compare by identity first). Judging a variable is a function of its name and value alone,
 * so the answer is the one a fresh judgment gives (test/privacy/environment-read.test.ts).
 */
export function credentialsOfEnvironment(env: NodeJS.ProcessEnv): readonly string[] {
  // Object.keys + one read per name: the cheapest walk of process.env measured (each read
  // crosses into C++; Object.entries costs more), docs/performance.md.
  const names = Object.keys(env)
  const last = lastReads.get(env)
  if (last && last.names.length === names.length && sameVariables(env, names, last)) return last.credentials
  const values = names.map((name) => env[name] ?? '')
  const read = { names, values, credentials: judgeVariables(names, values) }
  lastReads.set(env, read)
  return read.credentials
}

function sameVariables(env: NodeJS.ProcessEnv, names: readonly string[], last: EnvironmentRead): boolean {
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string
    if (name !== last.names[i] || (env[name] ?? '') !== last.values[i]) return false
  }
  return true
}

function judgeVariables(names: readonly string[], values: readonly string[]): string[] {
  const credentials = new Set<string>()
  for (let i = 0; i < names.length; i++) {
    const value = values[i] as string
    if (!value) continue
    const password = passwordOfUrl(value)
    if (password !== undefined) {
      if (isSearchable(password)) credentials.add(password)
    } else if (isCredentialVariable(names[i] as string, value)) {
      credentials.add(value)
    }
  }
  return [...credentials]
}

/** `postgres://app:s3cr3t@db/x` → `s3cr3t` (decoded as well as written, whichever differs). */
export function passwordOfUrl(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value) || !URL.canParse(value)) return undefined
  const { password } = new URL(value)
  if (password === '') return undefined
  try {
    return decodeURIComponent(password)
  } catch {
    return password
  }
}

/**
 * Credentials in the environment, read when each test file starts (a setup file's
 * `dotenv/config` or a `beforeAll` that sets `process.env.X` is then seen). Only values that
 * look like credentials count: `DB_PASSWORD=password` or `KEYCLOAK_URL=http://…` must not turn
 * a word or an origin into `[redacted]` across every recording. For a URL, its password
 * (unless it is a plain word: `postgres://app:password@db` edits no answer).
 */
import { isCredentialEnvName } from './credential-names.js'
import { isSearchable, looksLikeCredential } from './credential-values.js'

export function credentialsOfEnvironment(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>()
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue
    const password = passwordOfUrl(value)
    if (password !== undefined) {
      if (isSearchable(password)) values.add(password)
    } else if (isCredentialEnvName(name) && looksLikeCredential(value)) {
      values.add(value)
    }
  }
  return [...values]
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

/**
 * The environment is read again before every test and every write, and that read remembers
 * the last one (src/privacy/environment.ts). Held here to the rule it replaced: after any
 * sequence of changes to an environment (set, overwrite, delete, a variable added while another
 * goes, on process.env itself and on a plain object), what it returns is what a fresh judgment
 * of every variable returns, in the same order; and it is the very same array while nothing
 * changed in between.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { createRecorder } from '../../src/index.js'
import { isCredentialEnvName } from '../../src/privacy/credential-names.js'
import { isSearchable, looksLikeCredential } from '../../src/privacy/credential-values.js'
import { credentialsOfEnvironment, passwordOfUrl } from '../../src/privacy/environment.js'

const SEED = 20261205
const RUNS = 300

/** The judgment as it was before it remembered anything: every variable, every time. */
function freshJudgment(env: NodeJS.ProcessEnv): string[] {
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

const names = fc.constantFrom(
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'GITHUB_TOKEN',
  'DB_PASSWORD',
  'DATABASE_URL',
  'SENTRY_DSN',
  'HOME',
  'LANG',
  'KEYCLOAK_URL',
  'FR_TEST_A',
  'FR_TEST_B',
)
const values = fc.oneof(
  fc.constantFrom(
    'sk-proj-4f9KxQ2mZ7vR1tY8uW3eA6sD0gH5jL',
    'sk-ant-api03-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk',
    'ghp_16CharsAndMoreAbCdEf0123456789xyz',
    'password',
    'postgres://app:s3cr3t-Pa55word@db:5432/x',
    'postgres://app:password@db/x',
    'https://user:p%40ss%20w0rd!x@host/',
    'http://localhost:8080',
    'en_US.UTF-8',
    '',
  ),
  fc.stringMatching(/^[A-Za-z0-9_\-.]{0,40}$/),
)
const change = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), name: names, value: values }),
  fc.record({ kind: fc.constant('delete' as const), name: names }),
  fc.record({ kind: fc.constant('read' as const) }),
)

type Change =
  | { kind: 'set'; name: string; value: string }
  | { kind: 'delete'; name: string }
  | { kind: 'read' }

function apply(env: NodeJS.ProcessEnv, step: Change): void {
  if (step.kind === 'set') env[step.name] = step.value
  else if (step.kind === 'delete') delete env[step.name]
}

const touched = new Set<string>()
afterEach(() => {
  for (const name of touched) delete process.env[name]
  touched.clear()
})

describe('the environment read again', () => {
  it('gives what a fresh judgment gives, after any changes; the same array while unchanged', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 25 }), fc.boolean(), (steps, onProcessEnv) => {
        const env: NodeJS.ProcessEnv = onProcessEnv ? process.env : { PATH: '/usr/bin' }
        const saved = new Map(steps.map((step) => ('name' in step ? step.name : '')).map((n) => [n, env[n]]))
        try {
          let last = credentialsOfEnvironment(env)
          expect(last).toEqual(freshJudgment(env))
          for (const step of steps) {
            apply(env, step)
            const now = credentialsOfEnvironment(env)
            expect(now).toEqual(freshJudgment(env))
            if (step.kind === 'read') expect(now).toBe(last)
            last = now
          }
        } finally {
          for (const [name, value] of saved) {
            if (name === '') continue
            if (value === undefined) delete env[name]
            else env[name] = value
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('sees an overwrite that keeps every name and the count (the case a key count would miss)', () => {
    touched.add('FR_TEST_OPENAI_API_KEY')
    process.env.FR_TEST_OPENAI_API_KEY = 'sk-proj-first0123456789abcdefGHIJ'
    expect(credentialsOfEnvironment(process.env)).toContain('sk-proj-first0123456789abcdefGHIJ')
    process.env.FR_TEST_OPENAI_API_KEY = 'sk-proj-second0123456789abcdefGHI'
    const now = credentialsOfEnvironment(process.env)
    expect(now).toContain('sk-proj-second0123456789abcdefGHI')
    expect(now).not.toContain('sk-proj-first0123456789abcdefGHIJ')
  })

  it('keeps a key a beforeAll replaced out of a later file name (the environment read before each test)', () => {
    const first = 'Zq8xK2mP9vL4nR7tW1yB5cD3aa'
    const second = 'Hj3kL9pQ2wE7rT5yU1iO4aS8bb'
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin' }
    const recorder = createRecorder({ env, mode: 'replay', rootDir: '/tmp' })
    const testFile = '/tmp/fr-env-read/keys.test.ts'
    recorder.startFile(testFile)
    const pathOf = (testName: string) => {
      const run = recorder.startTest({ testFile, testName })
      run.finish({ status: 'skipped' })
      return run.recording.path
    }
    expect(pathOf(`before ${first}`)).toContain(first)
    env.MY_SERVICE_API_KEY = first
    expect(pathOf(`one ${first}`)).not.toContain(first)
    env.MY_SERVICE_API_KEY = second
    const later = pathOf(`two ${first} ${second}`)
    expect(later).not.toContain(first)
    expect(later).not.toContain(second)
    recorder.finishFile(testFile)
  })
})

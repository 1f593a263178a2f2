/**
 * Real Jest projects in real temp folders, run by the real jest CLI in a subprocess.
 *
 * Layout: `<root>/node_modules/fetch-recordings` links to this repository and `<root>/project`
 * is the project (its node_modules links to ours), so the project's jest.config.js says exactly
 * what a user's does (`testEnvironment: 'fetch-recordings/jest-env'`) and Jest resolves it
 * through package.json `exports` to dist/. Build first (`npm run build`).
 *
 * Runs are asynchronous on purpose: the fake API serving them lives in this process.
 */
import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import type { ContractRunner } from './contract.js'

export const REPO = resolve(import.meta.dirname, '../..')
/**
 * Another Jest for a matrix check: a folder whose node_modules holds that jest,
 * jest-environment-node and fetch-recordings installed from `npm pack` (docs/jest.md).
 */
const JEST_HOME = process.env.FR_JEST_HOME
const JEST_BIN = join(JEST_HOME ?? REPO, 'node_modules/jest/bin/jest.js')

/** Variables that would change the mode or Jest's CI detection from outside the test. */
const CI_VARIABLES = [
  'CI',
  'CONTINUOUS_INTEGRATION',
  'BUILD_NUMBER',
  'RUN_ID',
  'GITHUB_ACTIONS',
  'GITLAB_CI',
  'BUILDKITE',
  'CIRCLECI',
  'TF_BUILD',
  'FETCH_RECORDINGS',
  'UPDATE_RECORDINGS',
  'FETCH_RECORDINGS_RUN_DIR',
  'FETCH_RECORDINGS_CONFIG_FILE',
  'JEST_WORKER_ID',
  'NODE_OPTIONS',
]

export interface JestProjectOptions {
  files?: Record<string, string>
  /** `testEnvironmentOptions` of jest.config.js. */
  environmentOptions?: Record<string, unknown>
  /** Options of the fetch-recordings reporter entry. */
  reporterOptions?: Record<string, unknown>
}

export interface JestRunOptions {
  args?: string[]
  env?: Record<string, string>
  /** Run with `--maxWorkers=2` and a fresh cache (with timings cached, Jest runs small suites in band). */
  workers?: boolean
}

export interface JestRun {
  exitCode: number
  /** stdout + stderr without colour codes. */
  output: string
  /** How many processes ran test files (from the pid probe, when the project has one). */
  pids: number
}

export class JestProject {
  readonly dir: string
  private readonly root: string
  private runs = 0

  constructor(options: JestProjectOptions = {}) {
    this.root = mkdtempSync(join(JEST_HOME ?? tmpdir(), 'fr-jest-'))
    this.dir = join(this.root, 'project')
    mkdirSync(this.dir)
    // With FR_JEST_HOME, Node finds everything in that folder's node_modules, two levels up.
    if (!JEST_HOME) {
      mkdirSync(join(this.root, 'node_modules'), { recursive: true })
      symlinkSync(REPO, join(this.root, 'node_modules/fetch-recordings'), 'dir')
      symlinkSync(join(REPO, 'node_modules'), join(this.dir, 'node_modules'), 'dir')
    }
    this.write('package.json', `${JSON.stringify({ name: 'fixture', private: true }, null, 2)}\n`)
    this.write('jest.config.js', jestConfigOf(options))
    for (const [path, text] of Object.entries(options.files ?? {})) this.write(path, text)
  }

  write(path: string, text: string): void {
    const target = join(this.dir, path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, text)
  }

  remove(path: string): void {
    rmSync(join(this.dir, path), { recursive: true, force: true })
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), 'utf8')
  }

  exists(path: string): boolean {
    return existsSync(join(this.dir, path))
  }

  async run(options: JestRunOptions = {}): Promise<JestRun> {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of CI_VARIABLES) delete env[name]
    Object.assign(env, { NO_COLOR: '1', FR_PID_DIR: join(this.root, `pids-${++this.runs}`) }, options.env)
    const args = [JEST_BIN, ...(options.args ?? [])]
    // Jest's 5 s default is hit on 2 shared cores under load; a run testing a timeout says its own.
    if (!args.some((arg) => arg.startsWith('--testTimeout'))) args.push('--testTimeout=60000')
    // Jest's own CI detection reads more variables than we clear: say it explicitly.
    if (!env.CI && !args.some((arg) => arg.startsWith('--ci'))) args.push('--ci=false')
    if (options.workers)
      args.push('--maxWorkers=2', `--cacheDirectory=${join(this.root, `cache-${this.runs}`)}`)
    else args.push('--runInBand')
    const { exitCode, output } = await spawnNode(args, this.dir, env)
    return { exitCode, output, pids: countPids(env.FR_PID_DIR as string) }
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true })
  }
}

function jestConfigOf(options: JestProjectOptions): string {
  const reporter = options.reporterOptions
    ? `['fetch-recordings/jest-reporter', ${JSON.stringify(options.reporterOptions)}]`
    : `'fetch-recordings/jest-reporter'`
  return `module.exports = {
  testEnvironment: 'fetch-recordings/jest-env',
  reporters: ['default', ${reporter}],
  testEnvironmentOptions: ${JSON.stringify(options.environmentOptions ?? {})},
  // Plain CommonJS fixtures: no Babel, no watchman, nothing but the runner.
  transform: {},
  watchman: false,
}
`
}

function spawnNode(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const output = stripVTControlCharacters(Buffer.concat(chunks).toString('utf8'))
      resolvePromise({ exitCode: code ?? 1, output })
    })
  })
}

/** Appended to test files: each leaves its process id, to prove a run really used several workers. */
export const PID_PROBE = `
afterAll(() => {
  const { mkdirSync, writeFileSync } = require('node:fs')
  mkdirSync(process.env.FR_PID_DIR, { recursive: true })
  writeFileSync(require('node:path').join(process.env.FR_PID_DIR, String(process.pid)), '')
})
`

function countPids(dir: string): number {
  try {
    return readdirSync(dir).length
  } catch {
    return 0
  }
}

/** The contract (contract.ts) driven through Jest. */
export function jestContractRunner(options: { workers?: boolean } = {}): ContractRunner {
  return {
    name: 'jest',
    updateCommand: 'UPDATE_RECORDINGS=1 npx jest',
    createProject(files, environmentOptions) {
      const project = new JestProject({ files, ...(environmentOptions ? { environmentOptions } : {}) })
      return {
        dir: project.dir,
        write: (path, text) => project.write(path, text),
        remove: (path) => project.remove(path),
        run: ({ env, testNamePattern }) =>
          project.run({
            env,
            args: testNamePattern ? ['-t', testNamePattern] : [],
            workers: options.workers,
          }),
        cleanup: () => project.cleanup(),
      }
    },
  }
}

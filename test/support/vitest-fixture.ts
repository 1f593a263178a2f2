/**
 * Fixture projects for the Vitest plugin's end-to-end tests: a real temp folder that looks like
 * a user's project (fetch-recordings installed in node_modules, as a copy of dist/ taken now, so
 * a rebuild running meanwhile cannot change it), runs of the real vitest CLI as a subprocess,
 * and readers for what ended up on disk.
 *
 * The fake API sits behind a loopback forwarder with a fixed port: the URL is part of every
 * recorded request, so it must survive taking the API offline and bringing it back.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import type { ContractRunner } from './contract.js'
import { type FakeApi, type FakeApiOptions, startFakeApi } from './fake-apis.js'

const REPO = join(import.meta.dirname, '..', '..')
/**
 * Another Vitest for a matrix check: a folder whose node_modules holds that vitest, openai and
 * fetch-recordings installed from `npm pack` (docs/vitest.md). Fixtures then link all of them
 * from there, fetch-recordings included, instead of this repository's vitest and a copy of dist/.
 */
const VITEST_HOME = process.env.FR_VITEST_HOME
const MODULES = join(VITEST_HOME ?? REPO, 'node_modules')
const VITEST_CLI = join(MODULES, 'vitest', 'vitest.mjs')
/** The version of the Vitest that fixtures run (`4.1.12`, or that of FR_VITEST_HOME). */
export const VITEST_VERSION: string = JSON.parse(
  readFileSync(join(MODULES, 'vitest', 'package.json'), 'utf8'),
).version
export const VITEST_MAJOR = Number(VITEST_VERSION.split('.')[0])
/** What a fixture's test files and the installed package import, linked from MODULES. */
const LINKED_PACKAGES = ['vitest', 'openai', 'picocolors', 'safe-stable-stringify', 'undici']

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  /** stdout and stderr together, for assertions that do not care which one a line went to. */
  output: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  timeoutMs?: number
}

export class VitestFixture {
  private constructor(readonly dir: string) {}

  /**
   * A project with `files` (paths relative to its root) and fetch-recordings installed; `links`
   * are more packages of this repository's node_modules it can import (`express`, `@hono/node-server`).
   */
  static create(files: Record<string, string>, links: readonly string[] = []): VitestFixture {
    const dir = mkdtempSync(join(tmpdir(), 'fr-vitest-'))
    const modules = join(dir, 'node_modules')
    mkdirSync(modules)
    for (const name of LINKED_PACKAGES) symlinkSync(join(MODULES, name), join(modules, name), 'dir')
    for (const name of links) {
      mkdirSync(dirname(join(modules, name)), { recursive: true })
      symlinkSync(join(REPO, 'node_modules', name), join(modules, name), 'dir')
    }
    if (VITEST_HOME) symlinkSync(join(MODULES, 'fetch-recordings'), join(modules, 'fetch-recordings'), 'dir')
    else installPackageCopy(join(modules, 'fetch-recordings'))
    const fixture = new VitestFixture(dir)
    // An ESM project, as most are (and Vite warns about ESM config files in a CommonJS one).
    fixture.write('package.json', '{ "name": "fixture", "private": true, "type": "module" }\n')
    for (const [path, text] of Object.entries(files)) fixture.write(path, text)
    return fixture
  }

  path(path: string): string {
    return join(this.dir, path)
  }

  write(path: string, text: string): void {
    mkdirSync(dirname(this.path(path)), { recursive: true })
    writeFileSync(this.path(path), text)
  }

  read(path: string): string {
    return readFileSync(this.path(path), 'utf8')
  }

  exists(path: string): boolean {
    return existsSync(this.path(path))
  }

  remove(path: string): void {
    rmSync(this.path(path), { recursive: true, force: true })
  }

  /** Recording files under `folder` (relative to the root), sorted, relative to `folder`. */
  recordings(folder = '.'): string[] {
    const root = this.path(folder)
    const found: string[] = []
    const visit = (current: string) => {
      if (!existsSync(current)) return
      for (const entry of readdirSync(current, { withFileTypes: true })) {
        if (entry.name === 'node_modules') continue
        const path = join(current, entry.name)
        if (entry.isDirectory()) visit(path)
        else if (entry.name.endsWith('.json') && path.includes('__recordings__'))
          found.push(relative(root, path))
      }
    }
    visit(root)
    return found.sort()
  }

  /** Parsed recording file. */
  recording(path: string): { test_id: string; interactions: { request: { body?: unknown } }[] } {
    return JSON.parse(this.read(path))
  }

  /** `vitest run <args>` in the fixture, with an environment free of CI and mode variables. */
  run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    const env = cleanEnv(options.env)
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [VITEST_CLI, 'run', ...withTimeouts(args)], {
        cwd: this.dir,
        env,
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      const timeoutMs = options.timeoutMs ?? 45_000
      let killed = ''
      const timer = setTimeout(() => {
        // Said in the output: an exit code of null alone does not tell a hang from a crash.
        killed = `\n[vitest-fixture] killed after ${timeoutMs} ms without exiting`
        child.kill('SIGKILL')
      }, timeoutMs)
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(timer)
        stderr += killed
        resolve({ code, stdout, stderr, output: `${stdout}\n${stderr}` })
      })
    })
  }

  /** `vitest <args>` left running (watch mode); read its output as it comes. */
  start(args: string[], options: RunOptions = {}): RunningVitest {
    const child = spawn(process.execPath, [VITEST_CLI, ...args], {
      cwd: this.dir,
      env: cleanEnv(options.env),
    })
    return new RunningVitest(child)
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * The fixture's tests get long budgets: Vitest's 5 s default is hit on 2 shared cores under load
 * (a Next app's answer took longer). A run that means to test a timeout says its own.
 */
function withTimeouts(args: readonly string[]): string[] {
  const given = (flag: string) => args.some((arg) => arg.startsWith(flag))
  return [
    ...args,
    ...(given('--testTimeout') ? [] : ['--testTimeout=60000']),
    ...(given('--hookTimeout') ? [] : ['--hookTimeout=120000']),
  ]
}

export class RunningVitest {
  private text = ''
  private readonly listeners = new Set<() => void>()
  private readonly exited: Promise<void>

  constructor(private readonly child: ChildProcess) {
    const append = (chunk: Buffer) => {
      this.text += chunk.toString()
      for (const listener of this.listeners) listener()
    }
    child.stdout?.on('data', append)
    child.stderr?.on('data', append)
    this.exited = new Promise((resolve) => child.on('close', () => resolve()))
  }

  get output(): string {
    return this.text
  }

  /** Resolves with the output once `pattern` occurs `count` times in it. */
  waitFor(pattern: RegExp, count = 1, timeoutMs = 30_000): Promise<string> {
    const global = new RegExp(
      pattern.source,
      pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
    )
    const seen = () => (this.text.match(global)?.length ?? 0) >= count
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!seen()) return
        cleanup()
        resolve(this.text)
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`timed out waiting for ${pattern} ×${count} in:\n${this.text}`))
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        this.listeners.delete(check)
      }
      this.listeners.add(check)
      check()
    })
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM')
    await this.exited
  }
}

/**
 * The package as npm would install it: package.json and the built files (types left out).
 * Other builds may be writing dist/ meanwhile (tsup does not clean it): a copy whose modules
 * import a chunk it does not have is taken again.
 */
function installPackageCopy(target: string): void {
  if (!existsSync(join(REPO, 'dist', 'vitest-setup.js'))) {
    throw new Error('dist/ has no Vitest plugin build: run `npm run build` before these tests.')
  }
  for (let attempt = 0; ; attempt++) {
    rmSync(target, { recursive: true, force: true })
    mkdirSync(join(target, 'dist'), { recursive: true })
    cpSync(join(REPO, 'package.json'), join(target, 'package.json'))
    for (const name of readdirSync(join(REPO, 'dist'))) {
      if (/\.(c?js|map)$/.test(name)) cpSync(join(REPO, 'dist', name), join(target, 'dist', name))
    }
    if (chunksComplete(join(target, 'dist')) || attempt === 5) return
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500)
  }
}

function chunksComplete(dist: string): boolean {
  for (const name of readdirSync(dist)) {
    if (!name.endsWith('.js')) continue
    for (const [, chunk] of readFileSync(join(dist, name), 'utf8').matchAll(/from "\.\/([\w-]+\.js)"/g)) {
      if (!existsSync(join(dist, chunk as string))) return false
    }
  }
  return true
}

function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    // The outer vitest's own variables would make the inner one think it is a worker.
    if (/^(VITEST|TEST$|NODE_ENV$|CI$|GITHUB_|FETCH_RECORDINGS|UPDATE_RECORDINGS|FORCE_COLOR)/.test(key))
      continue
    env[key] = value
  }
  env.NO_COLOR = '1'
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

/**
 * The fake API behind a forwarder whose port never changes. `offline()` closes the API and
 * refuses connections (as if the network were gone); `online()` starts a fresh API behind the
 * same URL.
 */
export class StableApi {
  private api: FakeApi | undefined
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: FakeApiOptions,
  ) {}

  /** Reproducible ids by default; `randomIds: true` mints fresh ones on every call, as real APIs do. */
  static async start(options: FakeApiOptions = { randomIds: false }): Promise<StableApi> {
    let stable: StableApi | undefined
    const server = createServer((socket) => stable?.forward(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address() as { port: number }
    stable = new StableApi(server, `http://127.0.0.1:${address.port}`, options)
    await stable.online()
    return stable
  }

  /** Requests the current API received (since it went online). */
  get requests(): FakeApi['requests'] {
    return this.api?.requests ?? []
  }

  /** From now on (also after `online()`), every request gets a 500 while `on`. */
  outage(on: boolean): void {
    this.options.outage = on
    if (this.api) this.api.options.outage = on
  }

  async online(): Promise<void> {
    if (!this.api) this.api = await startFakeApi(this.options)
  }

  async offline(): Promise<void> {
    const api = this.api
    this.api = undefined
    for (const socket of this.sockets) socket.destroy()
    await api?.close()
  }

  async close(): Promise<void> {
    await this.offline()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private forward(client: Socket): void {
    const api = this.api
    if (!api) {
      client.destroy()
      return
    }
    const upstream = connect(api.port, '127.0.0.1')
    this.sockets.add(client).add(upstream)
    const forget = () => {
      this.sockets.delete(client)
      this.sockets.delete(upstream)
    }
    client.on('close', forget)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.pipe(upstream).pipe(client)
  }
}

/**
 * The contract (contract.ts) driven through Vitest: its fixtures are plain JavaScript with
 * runner globals, so the project turns `globals` on.
 */
export function vitestContractRunner(): ContractRunner {
  return {
    name: 'vitest',
    updateCommand: 'UPDATE_RECORDINGS=1 npx vitest run',
    createProject(files, options = {}) {
      const fixture = VitestFixture.create({
        ...files,
        'vitest.config.js': `import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
export default defineConfig({
  plugins: [fetchRecordings(${JSON.stringify(options)})],
  test: { globals: true, include: ['**/*.test.js'] },
})
`,
      })
      return {
        dir: fixture.dir,
        write: (path, text) => fixture.write(path, text),
        remove: (path) => fixture.remove(path),
        run: async ({ env, testNamePattern }) => {
          const result = await fixture.run(testNamePattern ? ['-t', testNamePattern] : [], { env })
          return { exitCode: result.code ?? 1, output: result.output }
        },
        cleanup: () => fixture.dispose(),
      }
    },
  }
}

/**
 * What a test file's process loads from the build (docs/performance.md, "Per-file setup cost"):
 * the Vitest setup file imports one module, itself one file with no shared chunk, and neither it nor the Jest environment reaches the
 * end-of-run report, CLI or summary code, or a dependency resolved from node_modules. And what
 * `npm run build` / `npm pack` leave in dist/ (scripts/prune-dist.mjs), on a copy with aged files.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { tempDir } from '../support/core-helpers.js'

const REPO = join(import.meta.dirname, '../..')
const DIST = join(REPO, 'dist')
const RELATIVE_IMPORT = /(?:from\s*|import\s*|require\()\s*["'](\.\/[^"']+)["']/g
const PACKAGE_IMPORT = /(?:from\s*|import\s*|require\()\s*["']([^."'][^"']*)["']/g

/** The built files `entry` loads, itself included. */
function closureOf(entry: string): string[] {
  const seen = new Set<string>()
  const todo = [entry]
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    if (seen.has(name)) continue
    seen.add(name)
    for (const [, target] of readFileSync(join(DIST, name), 'utf8').matchAll(RELATIVE_IMPORT)) {
      todo.push((target as string).slice(2))
    }
  }
  return [...seen]
}

describe.each(['vitest-setup.js', 'vitest-setup.cjs', 'jest-env.cjs', 'jest-env.js'])('%s', (entry) => {
  test('loads no report, CLI or summary code and no bundled dependency from node_modules', () => {
    const files = closureOf(entry)
    // The Vitest setup file and its worker entry; the Jest environment and its chunks.
    expect(files.length).toBeGreaterThanOrEqual(2)
    for (const name of files) {
      const text = readFileSync(join(DIST, name), 'utf8')
      const sources = [...text.matchAll(/^\/\/ ((?:src|vitest-plugin|jest-env)\/\S+)/gm)].map((m) => m[1])
      expect(
        sources.filter((source) => /^src\/(report|cli)\//.test(source as string)),
        name,
      ).toEqual([])
      const packages = [...text.matchAll(PACKAGE_IMPORT)].map((m) => m[1] as string)
      // Peers, and undici, imported lazily for the first recorded request; builtins are bare names in the build.
      const foreign = packages.filter(
        (name) => !/^(vitest|jest-environment-node|undici)$/.test(name) && !builtinModules.includes(name),
      )
      expect(foreign, name).toEqual([])
    }
  })
})

test.each(['js', 'cjs'])(
  'the Vitest setup file (%s) imports the worker entry and nothing else',
  (extension) => {
    const text = readFileSync(join(DIST, `vitest-setup.${extension}`), 'utf8')
    const imports = [...text.matchAll(RELATIVE_IMPORT), ...text.matchAll(PACKAGE_IMPORT)].map((m) => m[1])
    expect(imports).toEqual([`./vitest-worker.${extension}`])
  },
)

test.each(['js', 'cjs'])(
  'the worker entry (%s) is one file: no chunk shared with other entries',
  (extension) => {
    const text = readFileSync(join(DIST, `vitest-worker.${extension}`), 'utf8')
    expect([...text.matchAll(RELATIVE_IMPORT)].map((m) => m[1])).toEqual([])
    // It carries the core itself: the recorder and the transports are in it.
    expect(text).toContain('// src/recording/recorder.ts')
    expect(text).toContain('// src/transports/install.ts')
  },
)

describe('prune-dist', () => {
  const HOUR = 3_600_000

  /** A package copy: package.json, the script, entries built now, chunks of older builds. */
  function packageCopy(): string {
    const root = tempDir('prune-dist-')
    mkdirSync(join(root, 'dist'))
    mkdirSync(join(root, 'scripts'))
    cpSync(join(REPO, 'scripts/prune-dist.mjs'), join(root, 'scripts/prune-dist.mjs'))
    const exports = { '.': { import: './dist/index.js', require: './dist/index.cjs' } }
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ type: 'module', exports, bin: { x: './dist/cli.js' } }),
    )
    const age = (name: string, ms: number, text = '') => {
      writeFileSync(join(root, 'dist', name), text)
      const when = new Date(Date.now() - ms)
      utimesSync(join(root, 'dist', name), when, when)
    }
    age('index.js', 0, 'import { a } from "./chunk-NEW.js"\n')
    age('index.cjs', 0, 'require("./chunk-NEW.cjs")\n')
    age('cli.js', 0)
    age('chunk-NEW.js', 5_000)
    age('chunk-NEW.cjs', 5_000)
    age('chunk-RECENT.js', 10 * 60_000)
    age('chunk-OLD.js', 2 * HOUR)
    age('chunk-OLD.js.map', 2 * HOUR)
    return root
  }

  const run = (root: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'scripts/prune-dist.mjs'), ...args], { encoding: 'utf8' })

  test('after a build: stale files older than an hour go, recent ones stay for running suites', () => {
    const root = packageCopy()
    expect(run(root).status).toBe(0)
    const left = readdirSync(join(root, 'dist')).sort()
    expect(left).toEqual([
      'chunk-NEW.cjs',
      'chunk-NEW.js',
      'chunk-RECENT.js',
      'cli.js',
      'index.cjs',
      'index.js',
    ])
  })

  test('before packing: every stale file goes; a missing chunk fails the pack naming it', () => {
    const root = packageCopy()
    expect(run(root, '--all').status).toBe(0)
    expect(readdirSync(join(root, 'dist')).sort()).toEqual([
      'chunk-NEW.cjs',
      'chunk-NEW.js',
      'cli.js',
      'index.cjs',
      'index.js',
    ])
    writeFileSync(join(root, 'dist/index.js'), 'import "./chunk-GONE.js"\n')
    const broken = run(root, '--all')
    expect(broken.status).toBe(1)
    expect(broken.stderr).toContain('index.js → ./chunk-GONE.js')
    expect(broken.stderr).toContain('npm run build')
    expect(existsSync(join(root, 'dist/index.js'))).toBe(true)
  })

  test('before packing: an import of a package the install does not bring fails the pack naming it', () => {
    const root = packageCopy()
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    pkg.dependencies = { undici: '^7' }
    pkg.peerDependencies = { vitest: '^4' }
    writeFileSync(join(root, 'package.json'), JSON.stringify(pkg))
    // Builtins (bare and `node:`), dependencies, peers, a scoped subpath of a dependency, and a
    // JSDoc `import('../x')` of bundled code are all fine.
    const fine = `import "node:fs"\nimport "path"\nimport "undici/lib/x.js"\nimport "vitest"\n/** import('../index.js') */\n`
    writeFileSync(join(root, 'dist/chunk-NEW.js'), fine)
    expect(run(root, '--all').status).toBe(0)
    // What a build from before `safe-stable-stringify` was bundled left (a stale dist/ packed).
    writeFileSync(
      join(root, 'dist/chunk-NEW.js'),
      `${fine}import { stringify } from "safe-stable-stringify"\n`,
    )
    const broken = run(root, '--all')
    expect(broken.status).toBe(1)
    expect(broken.stderr).toContain('chunk-NEW.js → safe-stable-stringify (not a dependency)')
  })

  test('before packing: a source newer than the build fails the pack (npm pack does not build)', () => {
    const root = packageCopy()
    mkdirSync(join(root, 'src'))
    writeFileSync(join(root, 'src/index.ts'), 'export {}\n')
    // Dated explicitly: the file system's clock is coarser than Date.now(), which dated the build.
    const after = new Date(Date.now() + 60_000)
    utimesSync(join(root, 'src/index.ts'), after, after)
    const broken = run(root, '--all')
    expect(broken.status).toBe(1)
    expect(broken.stderr).toContain('dist/ is older than src/index.ts')
    const before = new Date(Date.now() - 60_000)
    utimesSync(join(root, 'src/index.ts'), before, before)
    expect(run(root, '--all').status).toBe(0)
  })
})

test('a RecordingError of another copy of the library is instanceof RecordingError (the worker entry carries its own core)', async () => {
  const built = (await import(join(DIST, 'index.js'))) as typeof import('../../src/errors.js')
  const own = await import('../../src/errors.js')
  expect(built.RecordingError).not.toBe(own.RecordingError)
  const fromBuild = new built.RecordingError('RECORDING_MISS', 'x')
  expect(fromBuild instanceof own.RecordingError).toBe(true)
  expect(new own.RecordingError('HTTP2_UNSUPPORTED', 'y') instanceof built.RecordingError).toBe(true)
  // Told by name and code, as isRecordingError does: another error is not one.
  expect(new Error('x') instanceof own.RecordingError).toBe(false)
  expect(Object.assign(new Error('x'), { name: 'RecordingError' }) instanceof own.RecordingError).toBe(false)
  expect(fromBuild instanceof Error).toBe(true)
})

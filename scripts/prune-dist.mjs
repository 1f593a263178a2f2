/**
 * Takes out of dist/ the files the last build did not write. tsup runs without `clean`: a
 * Vitest or Jest process that loaded an entry before a rebuild still imports that build's chunks
 * afterwards (Vite keeps the setup file it transformed for the whole run), so a rebuild must
 * leave them in place for a while. Without pruning they piled up, and `npm pack` shipped them.
 *
 *   node scripts/prune-dist.mjs          after `tsup` (npm run build): stale files older than an hour
 *   node scripts/prune-dist.mjs --all    prepack: every stale file, then the build is checked: not
 *                                        older than the sources, every import resolvable once installed
 *
 * A file is stale when it is older than the entries the package points to (package.json
 * `exports`, `bin`), which every build rewrites, by more than a minute (one build writes its
 * files within seconds; its type declarations come last).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const DIST = join(ROOT, 'dist')
const SAME_BUILD_MS = 60_000
const GRACE_MS = 60 * 60_000
/** Folders the build reads: a file there newer than the entries means dist/ is an old build. */
const SOURCES = ['src', 'vitest-plugin', 'jest-env', 'playwright']

const all = process.argv.includes('--all')
const removed = pruneDist({ now: Date.now(), graceMs: all ? 0 : GRACE_MS })
if (removed.length > 0) console.log(`prune-dist: removed ${removed.length} stale file(s) from dist/`)
if (all) {
  checkFresh()
  checkImports()
}

function pruneDist({ now, graceMs }) {
  if (!existsSync(DIST)) return []
  const entries = entryFiles().filter((file) => existsSync(file))
  if (entries.length === 0) return []
  const built = Math.min(...entries.map((file) => statSync(file).mtimeMs)) - SAME_BUILD_MS
  const removed = []
  for (const name of readdirSync(DIST)) {
    const file = join(DIST, name)
    const { mtimeMs } = statSync(file)
    if (mtimeMs < built && mtimeMs < now - graceMs) {
      rmSync(file, { recursive: true, force: true })
      removed.push(name)
    }
  }
  return removed
}

/** The built files package.json names: its exports (import and require) and its bin. */
function entryFiles() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const targets = []
  const collect = (value) => {
    if (typeof value === 'string') targets.push(value)
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) collect(inner)
  }
  collect(pkg.exports)
  collect(pkg.bin)
  return targets.filter((target) => target.startsWith('./dist/')).map((target) => join(ROOT, target))
}

/** `npm pack` takes dist/ as it is: packing a build older than the sources ships old code. */
function checkFresh() {
  const entries = entryFiles().filter((file) => existsSync(file))
  if (entries.length === 0) fail('dist/ holds no build. Run `npm run build` and pack again.')
  const built = Math.min(...entries.map((file) => statSync(file).mtimeMs))
  const newer = SOURCES.flatMap((folder) => filesBelow(join(ROOT, folder))).find(
    (file) => statSync(file).mtimeMs > built,
  )
  if (newer) fail(`dist/ is older than ${relative(ROOT, newer)}. Run \`npm run build\` and pack again.`)
}

function filesBelow(folder) {
  if (!existsSync(folder)) return []
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesBelow(join(folder, entry.name)) : [join(folder, entry.name)],
  )
}

/**
 * The tarball is whole: every relative import and require in dist/ names a file that is there,
 * and every other one a builtin or a package the install brings (a dependency, an optional or a
 * peer dependency): a build that still imported a package moved to devDependencies would fail
 * in every user's project.
 */
function checkImports() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const installed = new Set(
    [pkg.dependencies, pkg.optionalDependencies, pkg.peerDependencies].flatMap((deps) =>
      Object.keys(deps ?? {}),
    ),
  )
  const builtins = new Set(builtinModules)
  const missing = []
  for (const name of readdirSync(DIST)) {
    if (!/\.c?js$/.test(name)) continue
    const text = readFileSync(join(DIST, name), 'utf8')
    for (const [, target] of text.matchAll(/(?:from\s*|import\s*\(?|require\()\s*["']([^"']+)["']/g)) {
      if (target.startsWith('.')) {
        // `../` appears only in comments of bundled code (JSDoc `import('../x')`).
        if (target.startsWith('./') && !existsSync(join(DIST, target))) missing.push(`${name} → ${target}`)
      } else if (!target.startsWith('node:') && !builtins.has(target.split('/')[0] ?? '')) {
        const packageName = target.startsWith('@')
          ? target.split('/').slice(0, 2).join('/')
          : target.split('/')[0]
        if (!installed.has(packageName)) missing.push(`${name} → ${target} (not a dependency)`)
      }
    }
  }
  if (missing.length > 0) {
    fail(
      `${relative(ROOT, DIST)}/ is incomplete (${missing.slice(0, 5).join(', ')}). Run \`npm run build\` and pack again.`,
    )
  }
}

function fail(message) {
  console.error(`prune-dist: ${message}`)
  process.exit(1)
}

/**
 * W5 — suite overhead: `vitest run` of 100 test files × 5 requests, replayed by the
 * fetch-recordings Vitest plugin, vs the same files answering the same bytes from an in-test
 * stub of fetch (`vi.stubGlobal`), with no plugin in the config.
 *
 * Kept apart from the per-request workloads: it measures whole-process wall time of
 * `vitest run` (the root's vitest, spawned from here), one fresh process per run, the two
 * variants alternating (plugin first in even rounds, stub first in odd ones). The recordings
 * are made first, in `update` mode, against the bench's loopback server. Both variants run the
 * same test files with Vitest's defaults (forks pool, isolated: one process per test file).
 * Skipped with a printed line when dist/vitest.js has no plugin.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { timedSpawnSync } from './lib/child-cpu.mjs'
import { route, workloadRequest } from './lib/data.mjs'
import { BENCH_DIR, ROOT_DIR } from './lib/fixtures.mjs'
import { median } from './lib/stats.mjs'

/** The generated suite: under bench/ so that it resolves vitest from the repository. */
const SUITE = join(BENCH_DIR, '.fixtures', 'w5')
const VITEST = join(ROOT_DIR, 'node_modules', 'vitest', 'vitest.mjs')

/** A line for the results in place of a row that could not be measured. */
export function notMeasured(log, line) {
  log(line)
  return line
}

/** `distDir`: the run's private copy of dist/ (run.mjs), else the repository's; `fixturesDir`: the run's own. */
export async function runW5({
  quick,
  log = console.error,
  origin,
  distDir = join(ROOT_DIR, 'dist'),
  rounds,
}) {
  const plugin = join(distDir, 'vitest.js')
  if (!pluginBuilt(plugin)) {
    return notMeasured(
      log,
      'W5: not measured (dist/vitest.js does not export fetchRecordings: run `npm run build`)',
    )
  }
  if (!existsSync(VITEST)) {
    return notMeasured(log, 'W5: not measured (vitest is not installed in the root node_modules)')
  }
  const files = quick ? 2 : 100
  const perFile = 5
  const roundCount = rounds ?? (quick ? 1 : 2)
  writeSuite(files, perFile, plugin)

  log(`W5: recording ${files} files × ${perFile} requests…`)
  try {
    await recordSuite({ files, perFile, origin, distDir, suite: SUITE, extension: 'mjs' })
  } catch (error) {
    return `W5: error while recording: ${error.message}`
  }

  const times = { plugin: [], stub: [] }
  const cpu = { plugin: [], stub: [] }
  for (let round = 0; round < roundCount; round++) {
    const order = round % 2 === 0 ? ['plugin', 'stub'] : ['stub', 'plugin']
    for (const variant of order) {
      const env =
        variant === 'plugin'
          ? { W5_MODE: 'replay', FETCH_RECORDINGS: 'replay', W5_ORIGIN: origin }
          : { W5_MODE: 'stub', W5_ORIGIN: origin }
      const res = vitest(env)
      if (!res.ok) return `W5: error in the ${variant} run: ${res.error}`
      times[variant].push(res.ms)
      cpu[variant].push(res.cpuMs)
      log(`  w5 ${variant.padEnd(6)} ${Math.round(res.ms)} ms${cpuNote(res.cpuMs)}`)
    }
  }
  return pairedTable({
    title: `W5 suite overhead (\`vitest run\`, ${files} files × ${perFile} replayed requests, ${roundCount} round(s), whole-process wall time and CPU of the process tree, medians):`,
    names: { plugin: 'fetch-recordings plugin (replay)', stub: 'in-test stub of fetch (no plugin)' },
    times,
    cpu,
    files,
    perFile,
  })
}

/** ` (cpu N ms)` for the progress line, when the platform gives the process tree's CPU. */
export function cpuNote(cpuMs) {
  return cpuMs === undefined ? '' : ` (cpu ${Math.round(cpuMs)} ms)`
}

/**
 * The W5 table: two variants, their ratio, and the paired difference per round, file and
 * request; in wall time, and in CPU of the run's process tree where it was measured (Linux).
 */
export function pairedTable({ title, names, times, cpu, files, perFile }) {
  const withCpu = cpu && [...cpu.plugin, ...cpu.stub].every((ms) => ms !== undefined)
  const p = median(times.plugin)
  const s = median(times.stub)
  const range = (xs) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`
  const cpuCells = (variant) =>
    withCpu
      ? ` ${Math.round(median(cpu[variant]))} | ${(median(cpu[variant]) / median(cpu.stub)).toFixed(2)}× |`
      : ''
  const label = names.plugin.split(' (')[0]
  return [
    title,
    '',
    `| Variant | median ms | min–max ms | × stub |${withCpu ? ' CPU ms | CPU × stub |' : ''}`,
    `|---|--:|--:|--:|${withCpu ? '--:|--:|' : ''}`,
    `| ${names.plugin} | ${Math.round(p)} | ${range(times.plugin)} | ${(p / s).toFixed(2)}× |${cpuCells('plugin')}`,
    `| ${names.stub} | ${Math.round(s)} | ${range(times.stub)} | 1.00× |${cpuCells('stub')}`,
    '',
    pairedLine(`Paired difference ${label} − stub per round`, times, files, perFile),
    ...(withCpu ? [pairedLine(`Paired CPU difference ${label} − stub per round`, cpu, files, perFile)] : []),
  ].join('\n')
}

/** Paired differences (same round, back to back): less sensitive to load drifting between rounds. */
function pairedLine(label, values, files, perFile) {
  const diffs = values.plugin.map((ms, i) => ms - values.stub[i])
  const range = `${Math.round(Math.min(...diffs))}–${Math.round(Math.max(...diffs))}`
  const perFileDiffs = diffs.map((ms) => (ms / files).toFixed(1)).join(', ')
  return (
    `${label}: median ${Math.round(median(diffs))} ms (${range}), ≈ ${(median(diffs) / files).toFixed(1)} ms per test file ` +
    `(rounds: ${perFileDiffs}), ${(median(diffs) / (files * perFile)).toFixed(2)} ms per request.`
  )
}

/**
 * The recordings the plugin (or the Jest environment) replays, written by the library itself
 * in-process (update mode, against the loopback server), under the names and test ids the
 * runner uses (`<suite>/tests/fN.test.<extension>`, test "five requests"): a runner in update
 * mode would make the same files but cost another whole suite run. A name that did not match
 * would make the replay run fail with RECORDING_MISS.
 */
export async function recordSuite({ files, perFile, origin, distDir, suite, extension }) {
  const { createRecorder } = await import(pathToFileURL(join(distDir, 'index.js')).href)
  const { startServer } = await import('./lib/server.mjs')
  const server = await startServer(Number(new URL(origin).port))
  const env = { ...process.env, CI: '', FETCH_RECORDINGS: '', UPDATE_RECORDINGS: '' }
  const recorder = createRecorder({ mode: 'update', normalizeIds: false, rootDir: suite, env }).install()
  try {
    for (let f = 0; f < files; f++) {
      const run = recorder.startTest({
        testFile: join(suite, 'tests', `f${f}.test.${extension}`),
        testName: 'five requests',
      })
      await run.run(async () => {
        for (let r = 0; r < perFile; r++) {
          const req = workloadRequest('w3', f, r)
          const res = await fetch(origin + req.path, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: req.body,
          })
          if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${req.path}`)
          await res.arrayBuffer()
        }
      })
      run.finish({ status: 'passed' })
    }
  } finally {
    await recorder.dispose()
    await server.close()
  }
}

/** dist/vitest.js exists and exports the plugin factory (checked in a child: it loads vitest). */
function pluginBuilt(plugin) {
  if (!existsSync(plugin)) return false
  const probe = `import(${JSON.stringify(pathToFileURL(plugin).href)}).then((m) => {
    process.exit(typeof m.fetchRecordings === 'function' ? 0 : 1)
  }, () => process.exit(1))`
  return (
    spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT_DIR, timeout: 30_000 })
      .status === 0
  )
}

function vitest(env) {
  const { res, ms, cpuMs } = timedSpawnSync(process.execPath, [VITEST, 'run', '--reporter=dot'], {
    cwd: SUITE,
    env: {
      ...process.env,
      CI: '',
      UPDATE_RECORDINGS: '',
      FETCH_RECORDINGS: '',
      NODE_NO_WARNINGS: '1',
      VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true',
      ...env,
    },
    encoding: 'utf8',
    timeout: 300_000,
  })
  if (res.status !== 0) {
    const out = `${res.stdout}\n${res.stderr}`.trim().split('\n').filter(Boolean)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours
    const plain = out.slice(-3).map((line) => line.replace(/\u001b\[[0-9;]*m/g, ''))
    return { ok: false, error: `exit ${res.status ?? res.signal}: ${plain.join(' / ')}` }
  }
  return { ok: true, ms, cpuMs }
}

/**
 * fetch-recordings as a user has it: a copy of the built package in the suite's node_modules.
 * Imported from outside node_modules (dist/ by path), Vitest would inline it, transforming and
 * evaluating the whole library again for every test file (~150 ms a file here), which no
 * installed copy pays. Its dependencies resolve up the tree, from the repository's node_modules.
 */
export function installPackage(distDir, suite = SUITE) {
  const target = join(suite, 'node_modules', 'fetch-recordings')
  mkdirSync(join(target, 'dist'), { recursive: true })
  cpSync(join(ROOT_DIR, 'package.json'), join(target, 'package.json'))
  for (const name of readdirSync(distDir)) {
    if (/\.c?js$/.test(name)) cpSync(join(distDir, name), join(target, 'dist', name))
  }
}

/** Generates the suite: the same test files serve the plugin and the stub variant. */
export function writeSuite(files, perFile, plugin) {
  rmSync(SUITE, { recursive: true, force: true })
  mkdirSync(join(SUITE, 'tests'), { recursive: true })
  writeFileSync(join(SUITE, 'package.json'), JSON.stringify({ private: true, type: 'module' }))
  installPackage(dirname(plugin))
  writeFileSync(
    join(SUITE, 'vitest.config.mjs'),
    `import { defineConfig } from 'vitest/config'

const plugins = []
if (process.env.W5_MODE !== 'stub') {
  const { fetchRecordings } = await import('fetch-recordings/vitest')
  // normalizeIds off, as in the other workloads: the stub answers the recorded bytes exactly.
  plugins.push(fetchRecordings({ normalizeIds: false }))
}

export default defineConfig({
  plugins,
  test: { include: ['tests/**/*.test.mjs'] },
})
`,
  )
  for (let f = 0; f < files; f++) {
    const { requests, answers } = fileRequests(f, perFile)
    writeFileSync(
      join(SUITE, 'tests', `f${f}.test.mjs`),
      `import { expect, test, vi } from 'vitest'

const ORIGIN = process.env.W5_ORIGIN
const REQUESTS = ${JSON.stringify(requests)}
const ANSWERS = ${JSON.stringify(answers)}

test('five requests', async () => {
  if (process.env.W5_MODE === 'stub') {
    vi.stubGlobal('fetch', async (url) =>
      new Response(ANSWERS[new URL(url).pathname], { status: 200, headers: { 'content-type': 'application/json' } }),
    )
  }
  for (const [path, body] of REQUESTS) {
    const res = await fetch(ORIGIN + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(await res.text()).toBe(ANSWERS[path])
  }
  vi.unstubAllGlobals()
})
`,
    )
  }
}

/** Test file `f`'s requests ([path, body] pairs, as recorded) and the answer bytes per path. */
export function fileRequests(f, perFile) {
  const requests = []
  const answers = {}
  for (let r = 0; r < perFile; r++) {
    const req = workloadRequest('w3', f, r)
    requests.push([req.path, req.body])
    answers[req.path] = route(req.path).chunks.join('')
  }
  return { requests, answers }
}

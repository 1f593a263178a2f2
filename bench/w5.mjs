/**
 * W5 — suite overhead: `vitest run` of 100 test files × 5 requests, replayed by the
 * fetch-recordings Vitest plugin vs the same files answering from an in-test stub of fetch.
 *
 * Kept apart from the per-request workloads: it measures whole `vitest run` wall time
 * (spawned from the root's vitest), one fresh process per run, alternating the two variants.
 * Skipped with a printed line until dist/vitest.js exists.
 *
 * TODO(lead): confirm the plugin's export (default or `fetchRecordings`) and its options; the
 * generated config below tries `mod.default ?? mod.fetchRecordings` with no options.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { route, workloadRequest } from './lib/data.mjs'
import { BENCH_DIR, ROOT_DIR } from './lib/fixtures.mjs'
import { median } from './lib/stats.mjs'

const SUITE = join(BENCH_DIR, '.fixtures', 'w5')
const PLUGIN = join(ROOT_DIR, 'dist', 'vitest.js')
const VITEST = join(ROOT_DIR, 'node_modules', 'vitest', 'vitest.mjs')

export async function runW5({ quick, log = console.error, origin = 'http://127.0.0.1:45999' }) {
  if (!pluginBuilt()) {
    const line = 'W5: vitest plugin not built yet'
    log(line)
    return line
  }
  if (!existsSync(VITEST)) {
    const line = 'W5: skipped, vitest is not installed in the root node_modules'
    log(line)
    return line
  }
  const files = quick ? 4 : 100
  const perFile = 5
  const rounds = quick ? 1 : 3
  writeSuite(files, perFile)

  log(`W5: recording ${files} files × ${perFile} requests (FETCH_RECORDINGS=update)…`)
  const rec = vitest({ W5_MODE: 'record', FETCH_RECORDINGS: 'update', W5_ORIGIN: origin })
  if (!rec.ok) return `W5: error while recording: ${rec.error}`

  const times = { plugin: [], stub: [] }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['plugin', 'stub'] : ['stub', 'plugin']
    for (const variant of order) {
      const env =
        variant === 'plugin'
          ? { W5_MODE: 'replay', FETCH_RECORDINGS: 'replay', W5_ORIGIN: origin }
          : { W5_MODE: 'stub', W5_ORIGIN: origin }
      const res = vitest(env)
      if (!res.ok) return `W5: error in ${variant} run: ${res.error}`
      times[variant].push(res.ms)
      log(`  w5 ${variant.padEnd(6)} ${Math.round(res.ms)} ms`)
    }
  }
  const plugin = median(times.plugin)
  const stub = median(times.stub)
  return [
    `W5 suite overhead (\`vitest run\`, ${files} files × ${perFile} requests, ${rounds} round(s), wall time):`,
    '',
    '| Variant | median ms | min–max ms | × stub |',
    '|---|--:|--:|--:|',
    `| fetch-recordings plugin (replay) | ${Math.round(plugin)} | ${Math.round(Math.min(...times.plugin))}–${Math.round(Math.max(...times.plugin))} | ${(plugin / stub).toFixed(2)}× |`,
    `| in-test stub of fetch | ${Math.round(stub)} | ${Math.round(Math.min(...times.stub))}–${Math.round(Math.max(...times.stub))} | 1.00× |`,
  ].join('\n')
}

/** dist/vitest.js exists and exports a plugin factory (checked in a child: it may load vitest). */
function pluginBuilt() {
  if (!existsSync(PLUGIN)) return false
  const probe = `import(${JSON.stringify(pathToFileURL(PLUGIN).href)}).then((m) => {
    process.exit(typeof (m.default ?? m.fetchRecordings) === 'function' ? 0 : 1)
  }, () => process.exit(1))`
  return (
    spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT_DIR, timeout: 30_000 })
      .status === 0
  )
}

function vitest(env) {
  const started = performance.now()
  const res = spawnSync(process.execPath, [VITEST, 'run', '--reporter=dot'], {
    cwd: SUITE,
    env: { ...process.env, CI: '', UPDATE_RECORDINGS: '', FETCH_RECORDINGS: '', ...env },
    encoding: 'utf8',
    timeout: 300_000,
  })
  const ms = performance.now() - started
  if (res.status !== 0) {
    const out = `${res.stdout}\n${res.stderr}`.trim().split('\n').filter(Boolean)
    return { ok: false, error: `exit ${res.status ?? res.signal}: ${out.slice(-3).join(' / ')}` }
  }
  return { ok: true, ms }
}

/** Generates the suite: the same test files serve the plugin and the stub variant. */
export function writeSuite(files, perFile) {
  rmSync(SUITE, { recursive: true, force: true })
  mkdirSync(join(SUITE, 'tests'), { recursive: true })
  writeFileSync(join(SUITE, 'package.json'), JSON.stringify({ private: true, type: 'module' }))
  const serverUrl = pathToFileURL(join(BENCH_DIR, 'lib', 'server.mjs')).href
  writeFileSync(
    join(SUITE, 'global-setup.mjs'),
    `import { startServer } from ${JSON.stringify(serverUrl)}
export default async function () {
  if (process.env.W5_MODE !== 'record') return
  const server = await startServer(Number(new URL(process.env.W5_ORIGIN).port))
  return () => server.close()
}
`,
  )
  writeFileSync(
    join(SUITE, 'vitest.config.mjs'),
    `import { defineConfig } from 'vitest/config'

const plugins = []
if (process.env.W5_MODE !== 'stub') {
  const mod = await import(${JSON.stringify(pathToFileURL(PLUGIN).href)})
  const plugin = mod.default ?? mod.fetchRecordings
  plugins.push(plugin())
}

export default defineConfig({
  plugins,
  test: { include: ['tests/**/*.test.mjs'], globalSetup: ['./global-setup.mjs'] },
})
`,
  )
  for (let f = 0; f < files; f++) {
    const requests = []
    const answers = {}
    for (let r = 0; r < perFile; r++) {
      const req = workloadRequest('w3', f, r)
      requests.push([req.path, req.body])
      answers[req.path] = route(req.path).chunks.join('')
    }
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

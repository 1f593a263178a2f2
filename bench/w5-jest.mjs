/**
 * W5 for Jest — suite overhead: `jest` (the root's Jest 30) over 100 test files × 5 requests,
 * replayed by the fetch-recordings Jest environment and reporter (docs/jest.md's setup), vs the
 * same files in Jest's default `node` environment answering the same bytes from an in-test
 * stub of `globalThis.fetch`.
 *
 * As bench/w5.mjs: whole-process wall time, one fresh `jest` process per run, the variants
 * alternating, recordings made first in-process under the names the environment uses (a name
 * that did not match would fail the replay run with RECORDING_MISS), the package installed
 * into the suite's node_modules as a copy of the run's dist/. Jest's defaults otherwise,
 * except `transform: {}`: the files are plain CommonJS, and a Babel cache warmed by one
 * variant's run would favour the other.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { timedSpawnSync } from './lib/child-cpu.mjs'
import { BENCH_DIR, ROOT_DIR } from './lib/fixtures.mjs'
import { cpuNote, fileRequests, installPackage, notMeasured, pairedTable, recordSuite } from './w5.mjs'

const SUITE = join(BENCH_DIR, '.fixtures', 'w5-jest')
const JEST = join(ROOT_DIR, 'node_modules', 'jest', 'bin', 'jest.js')

export async function runW5Jest({
  quick,
  log = console.error,
  origin,
  distDir = join(ROOT_DIR, 'dist'),
  rounds,
}) {
  if (!existsSync(join(distDir, 'jest-env.cjs'))) {
    return notMeasured(log, 'W5 Jest: not measured (dist/jest-env.cjs missing: run `npm run build`)')
  }
  if (!existsSync(JEST)) {
    return notMeasured(log, 'W5 Jest: not measured (jest is not installed in the root node_modules)')
  }
  const files = quick ? 2 : 100
  const perFile = 5
  // A Jest run of this suite takes a fifth of a Vitest one (one process, in band on 2 cores):
  // twice W5's rounds for about a third of its time.
  const roundCount = rounds ?? (quick ? 1 : 4)
  writeSuite(files, perFile, distDir)

  log(`W5 Jest: recording ${files} files × ${perFile} requests…`)
  try {
    await recordSuite({ files, perFile, origin, distDir, suite: SUITE, extension: 'cjs' })
  } catch (error) {
    return `W5 Jest: error while recording: ${error.message}`
  }

  const envOf = (variant) =>
    variant === 'plugin'
      ? { W5_MODE: 'replay', FETCH_RECORDINGS: 'replay', W5_ORIGIN: origin }
      : { W5_MODE: 'stub', W5_ORIGIN: origin }
  // One untimed run of each first: the first run in a fresh cache directory builds Jest's
  // haste map, and the first of each variant loads its modules from a cold disk cache: costs
  // that would fall on whichever variant ran first.
  if (!quick) {
    for (const variant of ['plugin', 'stub']) {
      const res = jest(envOf(variant))
      if (!res.ok) return `W5 Jest: error in the ${variant} warm-up run: ${res.error}`
    }
  }
  const times = { plugin: [], stub: [] }
  const cpu = { plugin: [], stub: [] }
  for (let round = 0; round < roundCount; round++) {
    const order = round % 2 === 0 ? ['plugin', 'stub'] : ['stub', 'plugin']
    for (const variant of order) {
      const res = jest(envOf(variant))
      if (!res.ok) return `W5 Jest: error in the ${variant} run: ${res.error}`
      times[variant].push(res.ms)
      cpu[variant].push(res.cpuMs)
      log(`  w5-jest ${variant.padEnd(6)} ${Math.round(res.ms)} ms${cpuNote(res.cpuMs)}`)
    }
  }
  return pairedTable({
    title: `W5 Jest suite overhead (\`jest\` ${jestVersion()}, ${files} files × ${perFile} replayed requests, ${roundCount} round(s), whole-process wall time and CPU of the process tree, medians):`,
    names: {
      plugin: 'fetch-recordings environment (replay)',
      stub: 'in-test stub of fetch (node environment)',
    },
    times,
    cpu,
    files,
    perFile,
  })
}

function jestVersion() {
  try {
    return JSON.parse(
      spawnSync(process.execPath, ['-p', 'JSON.stringify(require("jest/package.json").version)'], {
        cwd: ROOT_DIR,
        encoding: 'utf8',
      }).stdout,
    )
  } catch {
    return ''
  }
}

function jest(env) {
  const { res, ms, cpuMs } = timedSpawnSync(process.execPath, [JEST], {
    cwd: SUITE,
    env: {
      ...process.env,
      CI: '',
      UPDATE_RECORDINGS: '',
      FETCH_RECORDINGS: '',
      NODE_NO_WARNINGS: '1',
      ...env,
    },
    encoding: 'utf8',
    timeout: 300_000,
  })
  if (res.status !== 0) {
    const out = `${res.stdout}\n${res.stderr}`.trim().split('\n').filter(Boolean)
    return { ok: false, error: `exit ${res.status ?? res.signal}: ${out.slice(-4).join(' / ')}` }
  }
  return { ok: true, ms, cpuMs }
}

/** The suite: one config switching on W5_MODE, the same test files for both variants. */
function writeSuite(files, perFile, distDir) {
  rmSync(SUITE, { recursive: true, force: true })
  mkdirSync(join(SUITE, 'tests'), { recursive: true })
  writeFileSync(join(SUITE, 'package.json'), JSON.stringify({ private: true }))
  installPackage(distDir, SUITE)
  writeFileSync(
    join(SUITE, 'jest.config.cjs'),
    `const stub = process.env.W5_MODE === 'stub'

module.exports = {
  testMatch: ['<rootDir>/tests/**/*.test.cjs'],
  transform: {},
  cacheDirectory: '<rootDir>/.jest-cache',
  // normalizeIds off, as in the other workloads: the stub answers the recorded bytes exactly.
  testEnvironment: stub ? 'node' : 'fetch-recordings/jest-env',
  testEnvironmentOptions: stub ? {} : { normalizeIds: false },
  reporters: stub ? ['summary'] : ['summary', 'fetch-recordings/jest-reporter'],
}
`,
  )
  for (let f = 0; f < files; f++) {
    const { requests, answers } = fileRequests(f, perFile)
    writeFileSync(
      join(SUITE, 'tests', `f${f}.test.cjs`),
      `const ORIGIN = process.env.W5_ORIGIN
const REQUESTS = ${JSON.stringify(requests)}
const ANSWERS = ${JSON.stringify(answers)}

test('five requests', async () => {
  const realFetch = globalThis.fetch
  if (process.env.W5_MODE === 'stub') {
    globalThis.fetch = async (url) =>
      new Response(ANSWERS[new URL(url).pathname], { status: 200, headers: { 'content-type': 'application/json' } })
  }
  try {
    for (const [path, body] of REQUESTS) {
      const res = await fetch(ORIGIN + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      expect(await res.text()).toBe(ANSWERS[path])
    }
  } finally {
    globalThis.fetch = realFetch
  }
})
`,
    )
  }
}

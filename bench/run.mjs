#!/usr/bin/env node
/**
 * Benchmark runner: `npm run bench` (root) = build + `node bench/run.mjs [--quick]`.
 *
 * Installs the bench's own dependencies if missing (`npm ci --prefix bench`), records the
 * fixtures of every record-based contender against the loopback server, then runs each
 * contender × workload in a fresh child process (bench/worker.mjs), rotating the contender
 * order between rounds. Prints one markdown table of medians and writes it to
 * bench/results/latest.md. Only node: built-ins here: the bench deps may not be installed yet.
 *
 * Options: --quick (tiny smoke run, CI), --rounds <n>, --only <c1,c2>,
 * --workloads <w1,w2,w3,w4-json,w4-sse,first,relay,w5,w5-jest> (`first` = every first-<n>).
 */
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { extraWorkloads, renderFirstTable, renderRelayTable } from './lib/extra-rows.mjs'

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))
const ROOT_DIR = join(BENCH_DIR, '..')
// Per run: two runs at once (a CI smoke run beside a full one) must not delete each other's
// fixtures. Removed at exit; BENCH_KEEP_FIXTURES=1 keeps them for a look.
const FIXTURES = join(BENCH_DIR, '.fixtures', `run-${process.pid}`)
const RESULTS = join(BENCH_DIR, 'results')

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    only: { type: 'string' },
    workloads: { type: 'string' },
  },
})
const QUICK = args.quick
const ROUNDS = Number(args.rounds ?? (QUICK ? 1 : 3))
const CHILD_TIMEOUT_MS = QUICK ? 30_000 : 240_000

/** Contenders, in base order (rotated each round). `recorded`: needs a setup recording step. */
const CONTENDERS = [
  { id: 'fetch-recordings', name: 'fetch-recordings', recorded: true },
  // The same recorder serving axios through the node:http transport (replay only: W1–W3).
  {
    id: 'fetch-recordings-axios',
    name: 'fetch-recordings, axios',
    recorded: true,
    workloads: ['w1', 'w2', 'w3'],
  },
  { id: 'loopback', name: 'live loopback' },
  { id: 'mock-agent', name: 'undici MockAgent' },
  { id: 'snapshot-agent', name: 'undici SnapshotAgent', recorded: true },
  { id: 'msw', name: 'msw setupServer' },
  { id: 'nock', name: 'nock.back', recorded: true },
  { id: 'polly', name: 'Polly.js', recorded: true },
  // W2 floors (bench/contenders/bare-dispatcher.mjs): what per-event delivery costs by itself.
  { id: 'floor-one-chunk', name: 'floor: bare dispatcher, 1 chunk', workloads: ['w2'] },
  { id: 'floor-events', name: 'floor: bare dispatcher, 1 chunk/event', workloads: ['w2'] },
  { id: 'floor-events-als', name: 'floor: 1 chunk/event + AsyncLocalStorage', workloads: ['w2'] },
  // The relay row (bench/contenders/app-server.mjs): W1's request through an app process.
  { id: 'app-relay', name: 'fetch-recordings, relayed from the app', recorded: true, workloads: ['relay'] },
  { id: 'app-in-process', name: 'fetch-recordings inside the app', recorded: true, workloads: ['relay'] },
  { id: 'app-live', name: 'app → live loopback', workloads: ['relay'] },
].filter(
  (c) =>
    !args.only ||
    args.only.split(',').includes(c.id) ||
    ['loopback', 'mock-agent', 'floor-events', 'floor-events-als', 'app-in-process'].includes(c.id),
)

const WORKLOADS = [
  { id: 'w1', title: 'W1 JSON (POST 1 KB → 2 KB)', mockRef: 'w1', loopRef: 'w1' },
  { id: 'w2', title: 'W2 SSE (60 events, 21 KB)', mockRef: 'w2', loopRef: 'w2' },
  { id: 'w3', title: 'W3 cold, 200 recordings', mockRef: 'w3', loopRef: 'w3' },
  // W3 after 20 tests of warm-up: the cost of distinct requests without the cold JIT's.
  { id: 'w3-warm', title: 'W3 warm, 200 recordings', mockRef: 'w3-warm', loopRef: 'w3-warm' },
  { id: 'w4-json', title: 'W4 record JSON', mockRef: 'w1', loopRef: 'w4-json', record: true },
  { id: 'w4-sse', title: 'W4 record SSE', mockRef: 'w2', loopRef: 'w4-sse', record: true },
  // First request vs file size and the relay row (bench/lib/extra-rows.mjs): tables of their own.
  ...extraWorkloads(QUICK),
].filter((w) => !args.workloads || args.workloads.split(',').some((id) => id === w.id || id === w.group))
/** W5 (bench/w5.mjs, bench/w5-jest.mjs) runs whole test-runner processes, after the per-request workloads. */
const WITH_W5 = !args.workloads || args.workloads.split(',').includes('w5')
const WITH_W5_JEST = !args.workloads || args.workloads.split(',').includes('w5-jest')

/** Whether a contender takes part in a workload (its own list, the workload's list). */
const runsIn = (c, w) =>
  (!c.workloads || c.workloads.includes(w.id)) && (!w.contenders || w.contenders.includes(c.id))

const log = (line) => process.stderr.write(`${line}\n`)

// ---------------------------------------------------------------------------------------
// Dependencies

function ensureDeps() {
  if (existsSync(join(BENCH_DIR, 'node_modules'))) return
  log('bench: installing bench dependencies (npm ci --prefix bench)…')
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const res = spawnSync(npm, ['ci', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (res.status !== 0) {
    log(`bench: npm ci --prefix bench failed (exit ${res.status})`)
    process.exit(1)
  }
}

/**
 * A private copy of dist/ for this run, so a rebuild in the repo (tsup cleans dist/ first)
 * cannot pull the library out from under a half-finished run. Bare imports resolve exactly
 * as from dist/ (node_modules is a link to the root's).
 */
function snapshotDist() {
  if (!existsSync(join(ROOT_DIR, 'dist', 'index.js'))) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'fetch-recordings-bench-'))
  try {
    cpSync(join(ROOT_DIR, 'dist'), join(dir, 'dist'), { recursive: true })
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }))
    symlinkSync(join(ROOT_DIR, 'node_modules'), join(dir, 'node_modules'), 'dir')
    return dir
  } catch (error) {
    log(`bench: could not copy dist/ (${error.message}); using it in place`)
    rmSync(dir, { recursive: true, force: true })
    return undefined
  }
}

// ---------------------------------------------------------------------------------------
// Child processes

let DIST_SNAPSHOT

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function runWorker(contender, workload, { origin, record = false }) {
  const argv = [
    join(BENCH_DIR, 'worker.mjs'),
    contender,
    workload,
    '--origin',
    origin,
    '--fixtures',
    FIXTURES,
  ]
  if (QUICK) argv.push('--quick')
  if (record) argv.push('--record')
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, {
      cwd: ROOT_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_NO_WARNINGS: '1',
        ...(DIST_SNAPSHOT ? { FETCH_RECORDINGS_BENCH_DIST: join(DIST_SNAPSHOT, 'dist', 'index.js') } : {}),
      },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.trim().split('\n').pop()
      try {
        resolve(JSON.parse(line))
      } catch {
        const why =
          signal === 'SIGKILL' ? `timed out after ${CHILD_TIMEOUT_MS / 1000} s` : `exit ${code ?? signal}`
        const last = stderr.trim().split('\n').filter(Boolean).pop() ?? ''
        resolve({ contender, workload, ok: false, error: `${why}${last ? `: ${last}` : ''}` })
      }
    })
  })
}

// ---------------------------------------------------------------------------------------
// Setup: reference fixtures

async function writeGenericFixtures() {
  // The in-memory contenders' equivalent of recordings for w3: one hand-written file per test.
  const { plan } = await import('./lib/workloads.mjs')
  const { route } = await import('./lib/data.mjs')
  const dir = join(FIXTURES, 'generic')
  mkdirSync(dir, { recursive: true })
  const tests = WORKLOADS.filter((w) => w.id.startsWith('w3') || w.group === 'first').flatMap(
    (w) => plan(w.id, QUICK, false).tests,
  )
  for (const test of tests) {
    const entries = test.requests.map((req) => {
      const { headers, chunks } = route(req.path)
      return { method: 'POST', path: req.path, status: 200, headers, body: chunks.join('') }
    })
    writeFileSync(join(dir, `${test.id}.json`), JSON.stringify(entries, null, 2))
  }
}

async function recordFixtures(origin) {
  const failures = new Map()
  for (const c of CONTENDERS.filter((c) => c.recorded)) {
    // Every replay workload (W4 records as it is measured).
    for (const w of WORKLOADS.filter((x) => !x.record && runsIn(c, x))) {
      const res = await runWorker(c.id, w.id, { origin, record: true })
      if (!res.ok) {
        failures.set(`${c.id}/${w.id}`, `recording failed: ${res.error}`)
        log(`  setup ${c.id} ${w.id}: ${res.error}`)
      } else {
        log(`  setup ${c.id} ${w.id}: recorded ${res.requests} requests`)
      }
    }
  }
  return failures
}

// ---------------------------------------------------------------------------------------
// Statistics and the table

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = (s.length - 1) / 2
  return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2
}

function summarize(runs) {
  const ok = runs.filter((r) => r.ok)
  if (ok.length === 0) {
    const first = runs.find((r) => !r.ok)
    return { error: first?.na ? 'n/a' : `error: ${first?.error ?? 'did not run'}` }
  }
  const rps = ok.map((r) => r.rps)
  return {
    rounds: ok.length,
    failed: runs.length - ok.length,
    rps: median(rps),
    min: Math.min(...rps),
    max: Math.max(...rps),
    p50: median(ok.map((r) => r.p50)),
    p99: median(ok.map((r) => r.p99)),
    firstMs: median(ok.map((r) => r.firstMs)),
    firstFromTestMs: median(ok.map((r) => r.firstFromTestMs)),
    otherCpuUs: median(ok.map((r) => r.otherCpuUsPerRequest ?? 0)),
    rssMB: median(ok.map((r) => r.maxRssMB)),
    cpuUs: median(ok.map((r) => r.cpuUsPerRequest)),
    chunks: ok[0].firstChunks,
    label: ok[0].label,
    requests: ok[0].requests,
  }
}

const fmtInt = (n) => Math.round(n).toLocaleString('en-US')
const fmt = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '–')
const ratio = (a, b) => (b && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–')

function renderTable(results) {
  const rows = [
    '| Workload | Contender | req/s (median) | min–max req/s | × MockAgent | × loopback | p50 ms | p99 ms | CPU µs/req | 1st request ms | peak RSS MB |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const w of WORKLOADS.filter((x) => !x.ownTable)) {
    const mockRef = results.get(`mock-agent/${w.mockRef}`)
    const loopRef = results.get(`loopback/${w.loopRef}`)
    for (const c of CONTENDERS) {
      const s = results.get(`${c.id}/${w.id}`)
      if (!s) continue
      if (s.error) {
        rows.push(`| ${w.title} | ${c.name} | ${s.error.replace(/\|/g, '\\|')} | | | | | | | | |`)
        continue
      }
      const failed = s.failed ? ` (${s.failed} failed)` : ''
      rows.push(
        `| ${w.title} | ${c.name}${failed} | ${fmtInt(s.rps)} | ${fmtInt(s.min)}–${fmtInt(s.max)} | ` +
          `${ratio(s.rps, mockRef?.rps)} | ${ratio(s.rps, loopRef?.rps)} | ${fmt(s.p50)} | ${fmt(s.p99)} | ` +
          `${fmtInt(s.cpuUs)} | ${fmtInt(s.firstMs)} | ${fmtInt(s.rssMB)} |`,
      )
    }
  }
  return rows.join('\n')
}

/** W2 like for like: fetch-recordings against the floors that deliver the same 60 reads. */
function w2LikeForLike(results) {
  const fr = results.get('fetch-recordings/w2')
  const parts = [
    ['floor-events', '1 chunk per event'],
    ['floor-events-als', '1 chunk per event inside AsyncLocalStorage'],
    ['msw', 'msw (also 60 reads)'],
  ]
    .map(([id, what]) => {
      const floor = results.get(`${id}/w2`)
      return fr?.rps && floor?.rps ? `${ratio(fr.rps, floor.rps)} the ${what}` : undefined
    })
    .filter(Boolean)
  const one = results.get('floor-one-chunk/w2')
  const mock = results.get('mock-agent/w2')
  const events = results.get('floor-events/w2')
  const als = results.get('floor-events-als/w2')
  const lines = [`W2 like for like: fetch-recordings runs at ${parts.join(', ') || '–'}.`]
  if (one?.rps && events?.rps && als?.rps) {
    lines.push(
      `Floors: one chunk ${fmtInt(one.rps)} req/s (MockAgent ${mock?.rps ? fmtInt(mock.rps) : '–'}); ` +
        `60 demand-paced chunks ${fmtInt(events.rps)} req/s (${ratio(events.rps, one.rps)} of one chunk); ` +
        `the same inside AsyncLocalStorage ${fmtInt(als.rps)} req/s (${ratio(als.rps, events.rps)}).`,
    )
  }
  return lines.join('\n')
}

function renderNotes(results, meta) {
  const lines = []
  const labels = new Map()
  for (const [key, s] of results) if (s.label) labels.set(key.split('/')[0], s.label)
  lines.push(
    `Contenders: ${CONTENDERS.map((c) => labels.get(c.id) ?? c.name).join('; ')}.`,
    '',
    `W2 chunks per response as read by the client: ${CONTENDERS.filter((c) => runsIn(c, { id: 'w2' }))
      .map((c) => {
        const s = results.get(`${c.id}/w2`)
        return `${c.name} ${s?.chunks ?? '–'}`
      })
      .join(', ')}.`,
    '',
    w2LikeForLike(results),
    '',
    `Ratios: req/s ÷ the reference's median req/s (W1 and W4 JSON use W1's MockAgent, W2 and W4 SSE ` +
      `use W2's; "× loopback" uses the loopback row of the same workload).`,
    `Rounds: ${meta.rounds}${QUICK ? ' (--quick: tiny sizes, numbers meaningless)' : ''}; ` +
      `each cell is one fresh process per round.`,
  )
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------
// Main

async function main() {
  const started = Date.now()
  // The machine may be shared: the load average is sampled before every round and at the end.
  const loads = [loadavg()[0]]
  ensureDeps()
  DIST_SNAPSHOT = snapshotDist()
  if (!DIST_SNAPSHOT) log('bench: dist/index.js not found: fetch-recordings will be reported as an error')
  process.on('exit', () => {
    if (DIST_SNAPSHOT) rmSync(DIST_SNAPSHOT, { recursive: true, force: true })
    if (!process.env.BENCH_KEEP_FIXTURES) rmSync(FIXTURES, { recursive: true, force: true })
  })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))

  rmSync(FIXTURES, { recursive: true, force: true })
  mkdirSync(FIXTURES, { recursive: true })
  const origin = `http://127.0.0.1:${await freePort()}`
  log(`bench: ${QUICK ? 'quick' : 'full'} run, ${ROUNDS} round(s), origin ${origin}`)
  await writeGenericFixtures()
  log('bench: recording fixtures against the loopback server…')
  const setupFailures = await recordFixtures(origin)

  const runs = new Map()
  for (let round = 0; round < ROUNDS; round++) {
    const shift = round % CONTENDERS.length
    const order = [...CONTENDERS.slice(shift), ...CONTENDERS.slice(0, shift)]
    if (round > 0) loads.push(loadavg()[0])
    log(
      `bench: round ${round + 1}/${ROUNDS} (load ${loadavg()[0].toFixed(2)}): ${order.map((c) => c.id).join(', ')}`,
    )
    for (const w of WORKLOADS) {
      for (const c of order) {
        if (w.record && (c.id === 'mock-agent' || c.id === 'msw')) continue
        if (!runsIn(c, w)) continue
        const key = `${c.id}/${w.id}`
        if (!runs.has(key)) runs.set(key, [])
        if (setupFailures.has(key)) {
          // No fixtures to replay: report the recording error instead of a confusing miss.
          runs.get(key).push({ ok: false, error: setupFailures.get(key) })
          continue
        }
        const res = await runWorker(c.id, w.id, { origin })
        runs.get(key).push(res)
        log(
          `  ${w.id.padEnd(7)} ${c.id.padEnd(17)} ${res.ok ? `${fmtInt(res.rps)} req/s, first ${fmtInt(res.firstMs)} ms` : res.na ? 'n/a' : `error: ${res.error}`}`,
        )
      }
    }
  }

  const results = new Map([...runs].map(([key, list]) => [key, summarize(list)]))
  const w5 = WITH_W5
    ? await import('./w5.mjs').then((m) =>
        m.runW5({
          quick: QUICK,
          log,
          origin,
          distDir: DIST_SNAPSHOT ? join(DIST_SNAPSHOT, 'dist') : undefined,
          fixturesDir: FIXTURES,
          rounds: args.rounds ? ROUNDS : undefined,
        }),
      )
    : undefined
  const w5Jest = WITH_W5_JEST
    ? await import('./w5-jest.mjs').then((m) =>
        m.runW5Jest({
          quick: QUICK,
          log,
          origin,
          distDir: DIST_SNAPSHOT ? join(DIST_SNAPSHOT, 'dist') : undefined,
          rounds: args.rounds ? ROUNDS : undefined,
        }),
      )
    : undefined
  loads.push(loadavg()[0])
  const date = new Date().toISOString()
  const cpu = cpus()
  const header = [
    `## fetch-recordings benchmark${QUICK ? ' (--quick smoke run)' : ''}`,
    '',
    `${date} · Node ${process.version} · ${process.platform}/${process.arch} · ${cpu.length} × ${cpu[0]?.model?.trim() ?? 'cpu'} · ` +
      `${Math.round(totalmem() / 2 ** 30)} GB RAM · ${ROUNDS} round(s) · ${((Date.now() - started) / 1000).toFixed(0)} s · ` +
      `1-min load average ${loads.map((l) => l.toFixed(1)).join(' → ')} (before each round, at the end)`,
    '',
    '',
  ].join('\n')
  const names = new Map(CONTENDERS.map((c) => [c.id, c.name]))
  const sections = [
    renderFirstTable(results, WORKLOADS),
    renderRelayTable(results, WORKLOADS, names),
    w5,
    w5Jest,
  ].filter(Boolean)
  const md = `${header}${renderTable(results)}\n\n${renderNotes(results, { rounds: ROUNDS })}\n${sections.map((x) => `\n${x}\n`).join('')}`
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, 'latest.md'), md)
  process.stdout.write(`${md}\n`)
  log(`bench: wrote bench/results/latest.md (${((Date.now() - started) / 1000).toFixed(0)} s)`)
}

await main()

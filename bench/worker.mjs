/**
 * One contender × one workload in a fresh process; prints exactly one JSON line.
 *
 *   node bench/worker.mjs <contender> <workload> --origin <url> --fixtures <dir> [--quick] [--record]
 *
 * <workload>: w1 | w2 | w3 | w4-json | w4-sse | first-<n> | relay. With --record the contender records the
 * workload's fixtures against the loopback server (setup step) instead of measuring replay.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { expectedBody } from './lib/data.mjs'
import { fetchRequest } from './lib/fetch-request.mjs'
import { latencySummary } from './lib/stats.mjs'
import { plan } from './lib/workloads.mjs'

// A mode set in the environment would override the bench's explicit modes.
for (const key of ['FETCH_RECORDINGS', 'UPDATE_RECORDINGS', 'CI']) delete process.env[key]

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    origin: { type: 'string' },
    fixtures: { type: 'string' },
    quick: { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
  },
})
const [contender, workload] = positionals

/** `send`: the contender's own client (its `request` export), else fetch. */
async function request(origin, req, send = fetchRequest) {
  const started = performance.now()
  const res = await send(origin, req)
  const { chunks } = res
  const ms = performance.now() - started
  const body = Buffer.concat(chunks)
  if (res.status !== 200)
    throw new Error(`HTTP ${res.status} for ${req.path}: ${body.toString().slice(0, 200)}`)
  if (!body.equals(expectedBody(req.path))) {
    throw new Error(
      `body of ${req.path} differs from the reference bytes (${body.length} vs ${expectedBody(req.path).length} bytes)`,
    )
  }
  return { ms, chunks: chunks.length }
}

/** The W2 floors (bare-dispatcher.mjs) and the relay row's app variants are one module each. */
async function contenderModule(id) {
  if (id.startsWith('floor-')) return (await import('./contenders/bare-dispatcher.mjs')).contender(id)
  if (id.startsWith('app-')) return (await import('./contenders/app-server.mjs')).contender(id)
  return import(`./contenders/${id}.mjs`)
}

async function main() {
  const quick = values.quick
  const planStart = performance.now()
  const p = plan(workload, quick, values.record)
  const planMs = performance.now() - planStart
  const mod = await contenderModule(contender)
  if (p.phase === 'record' && mod.phases && !mod.phases.includes('record')) {
    return { ok: false, na: true, error: 'n/a (no recorder)' }
  }
  if (mod.workloads && !mod.workloads.includes(workload)) return { ok: false, na: true, error: 'n/a' }
  let server
  if (p.phase === 'record' || mod.needsServer) {
    const { startServer } = await import('./lib/server.mjs')
    server = await startServer(Number(new URL(values.origin).port))
  }
  // Fixtures: setup recordings live in <fixtures>/<contender>; w4 records into a fresh dir.
  const dir = workload.startsWith('w4')
    ? join(values.fixtures, 'w4', `${contender}-${process.pid}`)
    : join(values.fixtures, contender)
  mkdirSync(dir, { recursive: true })
  const session = await mod.open({
    phase: p.phase,
    origin: values.origin,
    dir,
    workload,
    genericDir: join(values.fixtures, 'generic'),
  })

  // The reference bytes every response is checked against, made before the clock starts:
  // generating them (seeded PRNG text) inside the loop cost ~40-70 µs per distinct path (W3).
  // That time is the harness's, not the contender's: it is taken out of the first-request
  // time, with the time to make the plan's request bodies (together ~110 ms for 2,000 paths).
  const prepStart = performance.now()
  for (const test of p.tests) for (const req of test.requests) expectedBody(req.path)
  const prepMs = planMs + performance.now() - prepStart

  const latencies = []
  let firstMs
  let firstFromTestMs
  let testStartedAt
  let firstChunks
  let otherCpuStart = 0
  let measuredStart
  let cpuStart
  let seen = 0
  for (const test of p.tests) {
    testStartedAt ??= performance.now()
    await session.runTest(test, async () => {
      for (const req of test.requests) {
        if (seen === p.warmRequests) {
          if (session.otherCpuUs) otherCpuStart = await session.otherCpuUs()
          measuredStart = performance.now()
          cpuStart = process.cpuUsage()
        }
        const { ms, chunks } = await request(values.origin, req, mod.request)
        if (firstMs === undefined) {
          const now = performance.now()
          firstMs = now - prepMs
          // From the contender's start of the test (its file loaded and indexed, fixtures
          // registered) to the first body: module loading left out.
          firstFromTestMs = now - testStartedAt
          firstChunks = chunks
        }
        if (seen >= p.warmRequests) latencies.push(ms)
        seen++
      }
    })
  }
  const totalMs = performance.now() - measuredStart
  // CPU time of this process (all its threads: GC too) over the measured requests: less
  // sensitive than wall time to other processes on a shared machine.
  const cpu = process.cpuUsage(cpuStart)
  // Helper processes (the relay row's app) count too: their CPU over the same requests.
  const otherCpu = session.otherCpuUs ? (await session.otherCpuUs()) - otherCpuStart : 0
  await session.close()
  await server?.close()
  const { p50, p99 } = latencySummary(latencies)
  return {
    ok: true,
    label: mod.label,
    requests: latencies.length,
    totalMs,
    rps: (latencies.length / totalMs) * 1000,
    cpuUsPerRequest: (cpu.user + cpu.system + otherCpu) / latencies.length,
    otherCpuUsPerRequest: otherCpu / latencies.length,
    p50,
    p99,
    firstMs,
    firstFromTestMs,
    firstChunks,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  }
}

let result
try {
  result = await main()
} catch (error) {
  result = { ok: false, error: String(error?.message ?? error).split('\n')[0] }
  if (process.env.BENCH_DEBUG) console.error(error)
}
process.stdout.write(`${JSON.stringify({ contender, workload, record: values.record, ...result })}\n`, () =>
  process.exit(0),
)

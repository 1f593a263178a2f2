/**
 * The rows of bench/run.mjs that get their own table instead of a line in the main one: first
 * request vs file size, and the relay row. Workload definitions and renderers; node: built-ins
 * only (run.mjs loads this before the bench's dependencies are installed).
 */
import { firstSizes } from './workloads.mjs'

/** Contenders of the first-request row; the ratios are fetch-recordings' against the others. */
const FIRST_CONTENDERS = ['fetch-recordings', 'loopback', 'snapshot-agent', 'mock-agent']
/** Contenders of the relay row; `app-in-process` is the peer of the ratio. */
const RELAY_CONTENDERS = ['app-relay', 'app-in-process', 'app-live']

/** Workload entries for run.mjs (`ownTable`: left out of the main table). */
export function extraWorkloads(quick) {
  return [
    ...firstSizes(quick).map((n) => ({
      id: `first-${n}`,
      group: 'first',
      n,
      title: `first request, ${n} interaction(s) in one file`,
      contenders: FIRST_CONTENDERS,
      ownTable: true,
    })),
    {
      id: 'relay',
      title: 'W1 relayed: test → app process → upstream',
      contenders: RELAY_CONTENDERS,
      ownTable: true,
    },
  ]
}

const fmtMs = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–')
const times = (a, b) => (a && b && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–')

/** N | fetch-recordings | loopback | SnapshotAgent | MockAgent, both clocks, and the ratios. */
export function renderFirstTable(results, workloads) {
  const rows = workloads.filter((w) => w.group === 'first')
  if (rows.length === 0) return undefined
  const cell = (id, w, key) => {
    const s = results.get(`${id}/${w.id}`)
    return s?.error ? s.error.replace(/\|/g, '\\|') : fmtMs(s?.[key])
  }
  const value = (id, w, key) => results.get(`${id}/${w.id}`)?.[key]
  const lines = [
    'First request vs file size (one test, one recording file of N distinct interactions, a fresh process per cell, medians; ' +
      '"process" = from process start to the first body read, "test" = from the start of the test ' +
      '(file loaded and indexed, fixtures registered) to the first body):',
    '',
    '| N | fetch-recordings process / test ms | live loopback process / test ms | SnapshotAgent process / test ms | MockAgent process / test ms | × loopback (process) | × SnapshotAgent (process) | × SnapshotAgent (test) |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const w of rows) {
    const both = (id) => `${cell(id, w, 'firstMs')} / ${cell(id, w, 'firstFromTestMs')}`
    lines.push(
      `| ${w.n.toLocaleString('en-US')} | ${both('fetch-recordings')} | ${both('loopback')} | ${both('snapshot-agent')} | ${both('mock-agent')} | ` +
        `${times(value('fetch-recordings', w, 'firstMs'), value('loopback', w, 'firstMs'))} | ` +
        `${times(value('fetch-recordings', w, 'firstMs'), value('snapshot-agent', w, 'firstMs'))} | ` +
        `${times(value('fetch-recordings', w, 'firstFromTestMs'), value('snapshot-agent', w, 'firstFromTestMs'))} |`,
    )
  }
  lines.push('', 'Ratios are times: below 1.00× is faster than the peer.')
  return lines.join('\n')
}

/** The relay row: req/s, latency and the CPU of both processes, against the in-app replay. */
export function renderRelayTable(results, workloads, names) {
  const w = workloads.find((x) => x.id === 'relay')
  if (!w) return undefined
  const peer = results.get('app-in-process/relay')
  const lines = [
    "Relay row (W1's request sent by the test to an app process that makes it upstream with fetch; medians; " +
      'CPU counts the test process and the app):',
    '',
    '| Variant | req/s | min–max req/s | × in-app replay | p50 ms | p99 ms | CPU µs/req (both) | of which the app |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const id of w.contenders) {
    const s = results.get(`${id}/relay`)
    if (!s) continue
    if (s.error) {
      lines.push(`| ${names.get(id)} | ${s.error.replace(/\|/g, '\\|')} | | | | | | |`)
      continue
    }
    lines.push(
      `| ${names.get(id)} | ${fmtMs(s.rps)} | ${fmtMs(s.min)}–${fmtMs(s.max)} | ${times(s.rps, peer?.rps)} | ` +
        `${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${fmtMs(s.cpuUs)} | ${fmtMs(s.otherCpuUs)} |`,
    )
  }
  return lines.join('\n')
}

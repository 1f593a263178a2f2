/**
 * CPU time of a whole process tree (a `vitest run` and its forks, a `jest` run), for W5: the
 * machine is shared, and a run's wall time moves with the other work on it far more than its CPU
 * does. Linux only: the kernel adds the user and system time of every reaped child (and of their
 * reaped descendants) to the parent's `cutime`/`cstime` in /proc/self/stat, so the difference
 * around one spawnSync is that child's tree. Elsewhere there is no CPU column.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** USER_HZ: 100 on every Linux that Node supports. */
const TICKS_PER_SECOND = 100

/** CPU ms of this process's reaped children so far; undefined without /proc. */
export function childrenCpuMs() {
  let stat
  try {
    stat = readFileSync('/proc/self/stat', 'utf8')
  } catch {
    return undefined
  }
  // Fields after the command name (which may hold spaces and parentheses): field 3 is first.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const cutime = Number(fields[16 - 3])
  const cstime = Number(fields[17 - 3])
  if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) return undefined
  return ((cutime + cstime) * 1000) / TICKS_PER_SECOND
}

/** spawnSync with the run's wall time and its process tree's CPU time (undefined off Linux). */
export function timedSpawnSync(command, args, options) {
  const cpuBefore = childrenCpuMs()
  const started = performance.now()
  const res = spawnSync(command, args, options)
  const ms = performance.now() - started
  const cpuAfter = childrenCpuMs()
  const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore
  return { res, ms, cpuMs }
}

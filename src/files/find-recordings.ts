/**
 * Recording files under the given paths, for `verify`: files named directly, and `*.json`
 * inside `__recordings__` folders found below folders. Symlinked folders are followed (a
 * monorepo may link its recordings in), each real folder once, so a link cycle ends.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs'
import { join } from 'node:path'

const SKIPPED = new Set(['node_modules', '.git'])

export function findRecordingFiles(paths: readonly string[]): string[] {
  const found = new Set<string>()
  const visited = new Set<string>()
  const visit = (folder: string, inside: boolean, depth: number): void => {
    const real = realOf(folder)
    if (depth > 40 || real === undefined || visited.has(real)) return
    visited.add(real)
    for (const name of namesIn(folder)) {
      const path = join(folder, name)
      const stat = statSync(path, { throwIfNoEntry: false })
      if (stat?.isDirectory() && !SKIPPED.has(name))
        visit(path, inside || name === '__recordings__', depth + 1)
      else if (stat?.isFile() && inside && name.endsWith('.json') && !name.startsWith('.')) found.add(path)
    }
  }
  for (const path of paths) {
    const stat = statSync(path, { throwIfNoEntry: false })
    if (stat?.isFile()) found.add(path)
    else if (stat?.isDirectory()) visit(path, path.split(/[\\/]/).includes('__recordings__'), 0)
  }
  return [...found].sort()
}

function realOf(path: string): string | undefined {
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}

function namesIn(folder: string): string[] {
  try {
    return readdirSync(folder)
  } catch {
    return []
  }
}

/**
 * Waiting on child processes without hanging on one that is already gone: `once('exit')`
 * registered after the exit never fires, and a child that dies before its first line of
 * output would leave a test waiting for that line until its timeout.
 */
import type { ChildProcess } from 'node:child_process'

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Resolves on the child's first stdout chunk; rejects, with what it wrote to stderr, if it exits
 * (or fails to start) first. The child must be spawned with `stdio: [..., 'pipe', 'pipe']`.
 */
export function firstOutput(child: ChildProcess): Promise<string> {
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    const died = (reason: string) =>
      reject(new Error(`the child process ${reason} before writing anything:\n${stderr}`))
    if (hasExited(child)) {
      died(`had exited (code ${child.exitCode}, signal ${child.signalCode})`)
      return
    }
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString()))
    child.once('error', (error) => died(`failed to start (${error.message})`))
    child.once('exit', (code, signal) => died(`exited (code ${code}, signal ${signal})`))
  })
}

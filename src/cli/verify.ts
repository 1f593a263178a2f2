/**
 * `fetch-recordings verify [paths]`: checks recording files before they are committed:
 * each parses as format v1, and none holds a string that looks like a credential.
 * Meant for a pre-commit hook and a CI step (docs/verify.md).
 */
import { readFileSync, statSync } from 'node:fs'
import { RecordingError } from '../errors.js'
import { listFolders, listRecordingFiles } from '../files/storage.js'
import { parseRecordingText } from '../format/file-text.js'

export interface Problem {
  file: string
  line: number
  column: number
  message: string
}

export const SECRET_PATTERNS: { name: string; pattern: RegExp }[] = [
  { name: 'Anthropic API key', pattern: /sk-ant-[A-Za-z0-9_-]{16,}/g },
  { name: 'OpenAI-style API key', pattern: /sk-(?!ant-)(?:proj-|svcacct-)?[A-Za-z0-9_-]{16,}/g },
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { name: 'bearer token', pattern: /Bearer\s+[A-Za-z0-9._~+/-]{16,}=*/g },
  { name: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g },
  { name: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
]

/** Recording files under the given paths (files, or folders searched for `__recordings__`). */
export function findRecordingFiles(paths: readonly string[]): string[] {
  const found: string[] = []
  const visit = (folder: string, inside: boolean, depth: number) => {
    if (depth > 20) return
    if (inside) found.push(...listRecordingFiles(folder))
    for (const child of listFolders(folder)) {
      const name = child.slice(child.lastIndexOf('/') + 1)
      if (name === 'node_modules' || name === '.git') continue
      visit(child, inside || name === '__recordings__', depth + 1)
    }
  }
  for (const path of paths) {
    const stat = statSync(path, { throwIfNoEntry: false })
    if (stat?.isFile()) found.push(path)
    else if (stat?.isDirectory()) visit(path, path.includes('__recordings__'), 0)
  }
  return [...new Set(found)].sort()
}

export function verifyFile(file: string): Problem[] {
  const text = readFileSync(file, 'utf8')
  const problems: Problem[] = []
  try {
    const recording = parseRecordingText(text, file)
    recording.interactions.forEach((interaction, index) => {
      const { response } = interaction
      if (response.body_encoding !== 'base64' || typeof response.body !== 'string') return
      const decoded = Buffer.from(response.body, 'base64').toString('latin1')
      for (const hit of secretHits(decoded)) {
        const at = positionOf(text, text.indexOf(response.body))
        problems.push({
          file,
          ...at,
          message: `${hit.name} inside the base64 body of interactions[${index}].response`,
        })
      }
    })
  } catch (error) {
    const message =
      error instanceof RecordingError ? error.message.replace('[fetch-recordings] ', '') : String(error)
    const at = /:(\d+):(\d+) is not valid JSON/.exec(message)
    problems.push({ file, line: Number(at?.[1] ?? 1), column: Number(at?.[2] ?? 1), message })
  }
  for (const hit of secretHits(text)) {
    problems.push({
      file,
      ...positionOf(text, hit.index),
      message: `looks like a ${hit.name}: ${mask(hit.value)}`,
    })
  }
  return problems
}

function secretHits(text: string): { name: string; index: number; value: string }[] {
  const hits: { name: string; index: number; value: string }[] = []
  const seen = new Set<number>()
  for (const { name, pattern } of SECRET_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      if (seen.has(match.index)) continue
      seen.add(match.index)
      hits.push({ name, index: match.index, value: match[0] })
    }
  }
  return hits.sort((a, b) => a.index - b.index)
}

function positionOf(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, index))
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') }
}

/** Enough of the value to find it, never enough to use it. */
function mask(value: string): string {
  return `${value.slice(0, Math.min(8, Math.floor(value.length / 3)))}…(${value.length} chars)`
}

export function runVerify(paths: readonly string[], out: (line: string) => void): number {
  const files = findRecordingFiles(paths.length > 0 ? paths : [process.cwd()])
  const problems = files.flatMap(verifyFile)
  for (const p of problems) out(`${p.file}:${p.line}:${p.column}: ${p.message}`)
  if (problems.length > 0) {
    out(
      `\n${problems.length} problem(s) in ${new Set(problems.map((p) => p.file)).size} of ${files.length} recording file(s). ` +
        'Remove the secret (rotate it if it was ever pushed) and re-record with UPDATE_RECORDINGS=1; fix or delete files that do not parse.',
    )
    return 1
  }
  out(`${files.length} recording file(s) verified: all parse, no secret-looking strings.`)
  return 0
}

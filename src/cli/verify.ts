/**
 * `fetch-recordings verify [--json] [paths]`: checks recording files before they are
 * committed: each parses as format v1, and none holds a credential, read the way a secret
 * scanner in CI reads it and further (every string JSON-unescaped, base64 decoded, nested
 * JSON parsed). Meant for a pre-commit hook and a CI step (docs/verify.md).
 */
import { readFileSync } from 'node:fs'
import { RecordingError } from '../errors.js'
import { findRecordingFiles } from '../files/find-recordings.js'
import { wholeBody } from '../format/body-codec.js'
import { parseRecordingText } from '../format/file-text.js'
import type { RecordingFile } from '../format/format.js'
import { credentialPairValueKey, isCredentialField } from '../privacy/credential-names.js'
import { positionOf, type TextView, viewsOf } from '../privacy/parsed-strings.js'
import { isRedactedValue, REDACTED } from '../privacy/placeholder.js'
import { redactXml } from '../privacy/redact-xml.js'
import { findTokens } from '../privacy/token-formats.js'
import { credentialParamsOfUrls, type UrlParamHit } from '../privacy/url-params.js'
import { loadSecretlint } from './secretlint.js'
import { splitHitsOf } from './split-hits.js'

export interface Finding {
  file: string
  line: number
  column: number
  rule: string
  message: string
}

interface FileViews {
  file: string
  text: string
  views: TextView[]
}

export async function verifyFiles(files: readonly string[]): Promise<{ findings: Finding[]; note?: string }> {
  const read: FileViews[] = files.map((file) => {
    const text = readFileSync(file, 'utf8')
    return { file, text, views: viewsOf(text) }
  })
  const findings = read.flatMap((entry) => [...formatFindings(entry), ...ownFindings(entry)])
  const linter = await loadSecretlint()
  let note: string | undefined
  if (typeof linter === 'function') {
    for (const batch of batches(read)) {
      const views = batch.flatMap((entry) => entry.views.map((view) => ({ entry, view })))
      for (const hit of await linter(views.map(({ view }) => view))) {
        const { entry, view } = views[hit.view] as { entry: FileViews; view: TextView }
        findings.push(findingAt(entry, view, hit.index, hit.rule, hit.message))
      }
    }
  } else {
    note = `secretlint's preset could not be loaded on Node ${process.versions.node} (${linter.unavailable}); fetch-recordings' own formats ran alone.`
  }
  return { findings: distinct(findings), ...(note ? { note } : {}) }
}

function formatFindings({ file, text }: FileViews): Finding[] {
  try {
    const recording = parseRecordingText(text, file)
    return [
      ...namedFieldFindings({ file, text, views: [] }, recording),
      ...splitFindings(file, text, recording),
    ]
  } catch (error) {
    const message =
      error instanceof RecordingError ? error.message.replace('[fetch-recordings] ', '') : String(error)
    const at = /:(\d+):(\d+) is not valid JSON/.exec(message)
    return [
      {
        file,
        line: Number(at?.[1] ?? 1),
        column: Number(at?.[2] ?? 1),
        rule: 'fetch-recordings/format',
        message,
      },
    ]
  }
}

/** The write path stores `[redacted]` at every credential-named field: anything else was planted. */
function namedFieldFindings(entry: FileViews, recording: unknown): Finding[] {
  const findings: Finding[] = []
  const visit = (value: unknown, depth: number) => {
    if (depth > 100 || typeof value !== 'object' || value === null) return
    const pairValue = Array.isArray(value)
      ? undefined
      : credentialPairValueKey(value as Record<string, unknown>)
    for (const [key, item] of Object.entries(value)) {
      if (
        !Array.isArray(value) &&
        typeof item === 'string' &&
        item !== '' &&
        !isRedactedValue(item) &&
        (key === pairValue || isCredentialField(key, undefined, item))
      ) {
        const at = entry.text.indexOf(`${JSON.stringify(key)}: ${JSON.stringify(item)}`)
        findings.push({
          file: entry.file,
          ...positionOf(entry.text, Math.max(0, at)),
          rule: 'fetch-recordings/credential-field',
          message: `"${key}" holds a value (${mask(item)}); recordings store "${REDACTED}" there`,
        })
      } else if (key === 'body' && typeof item === 'string') findings.push(...xmlFieldFindings(entry, item))
      else if (key === 'body' && (value as { body_encoding?: unknown }).body_encoding === 'text') {
        // A stream kept as the pieces its client read: an element may be cut across two.
        const whole = wholeBody('text', item)
        if (typeof whole === 'string') findings.push(...xmlFieldFindings(entry, whole))
      } else visit(item, depth + 1)
    }
  }
  visit(recording, 0)
  return findings
}

/** A token split across a stream's strings, or hidden by an escape in a text's record (split-hits.ts). */
function splitFindings(file: string, text: string, recording: RecordingFile): Finding[] {
  return splitHitsOf(recording, text).map((hit) => ({
    file,
    ...positionOf(text, hit.offset),
    rule: `fetch-recordings/${hit.format.id}`,
    message:
      hit.pieces > 1
        ? `${hit.format.name} split across ${hit.pieces} strings of ${hit.where}: ${mask(hit.key)} (what a client assembles)`
        : `${hit.format.name} written with escapes in ${hit.where}: ${mask(hit.key)}`,
  }))
}

function paramFinding(
  entry: FileViews,
  position: { line: number; column: number },
  hit: UrlParamHit,
): Finding {
  return {
    file: entry.file,
    ...position,
    rule: 'fetch-recordings/credential-param',
    message: `query parameter "${hit.name}" of a URL holds a value (${mask(hit.value)}); recordings store "${REDACTED}" there`,
  }
}

/** An XML body (an STS answer) holds its credentials as element text: the write path redacts it. */
function xmlFieldFindings(entry: FileViews, body: string): Finding[] {
  const values = new Set<string>()
  redactXml(body, values)
  return [...values].map((value) => ({
    file: entry.file,
    ...positionOf(entry.text, Math.max(0, entry.text.indexOf(JSON.stringify(value).slice(1, -1)))),
    rule: 'fetch-recordings/credential-field',
    message: `an XML element or attribute with a credential name holds a value (${mask(value)}); recordings store "${REDACTED}" there`,
  }))
}

function ownFindings(entry: FileViews): Finding[] {
  return entry.views.flatMap((view) => [
    ...findTokens(view.text).map((hit) =>
      findingAt(
        entry,
        view,
        hit.start,
        `fetch-recordings/${hit.format.id}`,
        `${hit.format.name}: ${mask(view.text.slice(hit.start, hit.end))}`,
      ),
    ),
    // A presigned URL's signature: the write path stores `[redacted]` at every credential parameter.
    ...credentialParamsOfUrls(view.text).map((hit) => {
      const { line, column, message } = findingAt(entry, view, hit.start, '', '')
      const finding = paramFinding(entry, { line, column }, hit)
      return { ...finding, message: `${finding.message}${message}` }
    }),
  ])
}

function findingAt(entry: FileViews, view: TextView, index: number, rule: string, message: string): Finding {
  const offset = view.exact ? view.offset + index : view.offset
  const where = view.how === 'raw' ? '' : ` (in a ${view.how} string)`
  return { file: entry.file, ...positionOf(entry.text, offset), rule, message: `${message}${where}` }
}

/** One finding per place and rule family: the raw text and its unescaped view often agree. */
function distinct(findings: Finding[]): Finding[] {
  const seen = new Set<string>()
  return findings
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
    .filter((finding) => {
      const id = `${finding.file}:${finding.line}:${finding.column}:${finding.rule}`
      if (seen.has(id)) return false
      seen.add(id)
      return true
    })
}

/** About 2 MB of text per secretlint call. */
function batches(entries: FileViews[]): FileViews[][] {
  const out: FileViews[][] = [[]]
  let size = 0
  for (const entry of entries) {
    if (size > 2_000_000) {
      out.push([])
      size = 0
    }
    ;(out[out.length - 1] as FileViews[]).push(entry)
    size += entry.views.reduce((sum, view) => sum + view.text.length, 0)
  }
  return out
}

/** Enough of the value to find it, never enough to use it. */
function mask(value: string): string {
  return `${value.slice(0, Math.min(6, Math.floor(value.length / 4)))}…(${value.length} chars)`
}

export async function runVerify(args: readonly string[], out: (line: string) => void): Promise<number> {
  const json = args.includes('--json')
  const paths = args.filter((arg) => arg !== '--json')
  const searched = paths.length > 0 ? paths : [process.cwd()]
  const files = findRecordingFiles(searched)
  if (files.length === 0) {
    const message = `No recording file found under ${searched.join(', ')} (looked for *.json inside __recordings__ folders, following symlinks). Pass the folder that holds your tests, or the files themselves.`
    out(json ? JSON.stringify({ files: 0, findings: [], error: message }) : message)
    return 2
  }
  const { findings, note } = await verifyFiles(files)
  if (json) {
    out(JSON.stringify({ files: files.length, findings, ...(note ? { note } : {}) }, null, 2))
    return findings.length > 0 ? 1 : 0
  }
  if (note) out(note)
  for (const f of findings) out(`${f.file}:${f.line}:${f.column}: ${f.rule}: ${f.message}`)
  if (findings.length > 0) {
    out(
      `\n${findings.length} problem(s) in ${new Set(findings.map((f) => f.file)).size} of ${files.length} recording file(s). ` +
        'Remove the secret (rotate it if it was ever pushed) and re-record with UPDATE_RECORDINGS=1; fix or delete files that do not parse.',
    )
    return 1
  }
  out(`${files.length} recording file(s) verified: all parse, no credentials found.`)
  return 0
}

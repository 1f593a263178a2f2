/**
 * secretlint's recommended preset, loaded only by `verify` and only if it loads: it is an
 * optional dependency (v13 declares Node >= 22, so an engine-strict install on Node 20 skips
 * it) and costs ~30 ms per call on Node 20. All views of all files are linted in one call.
 */
import type { TextView } from '../privacy/parsed-strings.js'

export interface LintHit {
  view: number
  /** Offset inside the view's text. */
  index: number
  rule: string
  message: string
}

export type Secretlint = (views: readonly TextView[]) => Promise<LintHit[]>

/** The linter, or why it could not be loaded. */
export async function loadSecretlint(): Promise<Secretlint | { unavailable: string }> {
  try {
    const core = await import('@secretlint/core')
    const preset = await import('@secretlint/secretlint-rule-preset-recommend')
    const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] }
    return async (views) => {
      const { content, starts } = joined(views)
      const result = await core.lintSource({
        source: { filePath: 'recordings.txt', content, contentType: 'text', ext: '.txt' },
        options: { config, maskSecrets: true, noPhysicFilePath: true },
      })
      return result.messages.map((message) => {
        const view = viewAt(starts, message.range[0])
        return {
          view,
          index: message.range[0] - (starts[view] as number),
          rule: message.ruleId,
          message: message.message,
        }
      })
    }
  } catch (error) {
    return { unavailable: (error as Error).message.split('\n')[0] ?? String(error) }
  }
}

/** One text (one call's fixed cost instead of one per string); views apart by a blank line. */
function joined(views: readonly TextView[]): { content: string; starts: number[] } {
  const starts: number[] = []
  let length = 0
  const parts: string[] = []
  for (const view of views) {
    starts.push(length)
    parts.push(view.text)
    length += view.text.length + 2
  }
  return { content: parts.join('\n\n'), starts }
}

function viewAt(starts: readonly number[], index: number): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if ((starts[middle] as number) <= index) low = middle
    else high = middle - 1
  }
  return low
}

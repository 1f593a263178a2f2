/**
 * One self-contained HTML page for a set of recordings: inline CSS, no script, no external
 * asset (it opens from a CI artifact with no network), one section per interaction with the
 * same content as the terminal view, and the interaction's raw JSON in a collapsed <details>.
 */
import type { Interaction } from '../../format/format.js'
import type { FileView } from './render-text.js'
import type { Block, InteractionView } from './view.js'

export interface HtmlFile extends FileView {
  raw: readonly Interaction[]
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#1d1f23;background:#fbfbfc}
h1{font-size:1.3rem}h2{font-size:1.05rem;margin:2rem 0 .2rem;word-break:break-all}
.test{color:#666;margin:0 0 .8rem}
section.interaction{border:1px solid #d8dbe0;border-radius:8px;background:#fff;margin:.8rem 0;padding:.6rem .9rem}
.head{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
.title{font-weight:600;font-family:ui-monospace,monospace}.kind,.fact{color:#555}.model{color:#0b6e99}
.status{font-weight:600;color:#19703a}.status.bad{color:#b42318}
h3{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:#777;margin:.7rem 0 .2rem}
.block{display:grid;grid-template-columns:8.5rem 1fr;gap:.6rem;padding:.15rem 0}
.label{font-weight:600}.text{white-space:pre-wrap;word-break:break-word;margin:0;font-family:ui-monospace,monospace;font-size:13px}
.system .label{color:#7a3ea1}.user .label{color:#1f5fbf}.assistant .label{color:#19703a}.tool .label{color:#9a6700}.error .label,.error .text{color:#b42318}.meta .label{color:#777}
details{margin-top:.6rem}summary{cursor:pointer;color:#555}
details pre{background:#f4f5f7;padding:.6rem;border-radius:6px;overflow:auto;max-height:30rem;font-size:12px}
`

export function renderHtml(files: readonly HtmlFile[], title: string): string {
  const total = files.reduce((sum, file) => sum + file.interactions.length, 0)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="test">${files.length} recording file(s), ${total} interaction(s)</p>
${files.map(fileHtml).join('\n')}
</body>
</html>
`
}

function fileHtml(file: HtmlFile): string {
  const sections = file.interactions.map((view, index) => interactionHtml(view, index, file.raw[index]))
  return `<article class="file">
<h2>${escapeHtml(file.path)}</h2>
<p class="test">test: ${escapeHtml(file.testId)}</p>
${sections.join('\n')}
</article>`
}

function interactionHtml(view: InteractionView, index: number, raw: Interaction | undefined): string {
  const facts = view.facts.map((fact) => `<span class="fact">${escapeHtml(fact)}</span>`).join('')
  return `<section class="interaction" id="i${index + 1}">
<div class="head"><span class="index">#${index + 1}</span><span class="title">${escapeHtml(view.title)}</span><span class="kind">${escapeHtml(view.kind)}</span>${view.model ? `<span class="model">${escapeHtml(view.model)}</span>` : ''}<span class="status${view.status >= 400 ? ' bad' : ''}">${view.status}</span>${facts}</div>
<h3>Request</h3>
${view.request.map(blockHtml).join('\n')}
<h3>Response</h3>
${view.response.map(blockHtml).join('\n')}
<details><summary>Raw JSON</summary><pre>${escapeHtml(JSON.stringify(raw, null, 2))}</pre></details>
</section>`
}

function blockHtml(item: Block): string {
  return `<div class="block ${item.tone}"><span class="label">${escapeHtml(item.label)}</span><pre class="text">${escapeHtml(item.text)}</pre></div>`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

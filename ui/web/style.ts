/** The pages' only style sheet, inline: system fonts, nothing fetched. */
export const STYLE = `
:root { color-scheme: light; --added: #e6ffec; --added-line: #2da44e; --removed: #ffebe9; --removed-line: #cf222e; --muted: #57606a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; background: #fff; }
header.top { display: flex; gap: 1.2em; padding: .6em 1.2em; background: #24292f; }
header.top a { color: #fff; text-decoration: none; font-weight: 600; }
main { max-width: 1200px; margin: 0 auto; padding: 1em 1.2em 3em; }
h1 { font-size: 1.5em; margin: .4em 0; } h3 { font-size: 1em; margin: 0 0 .4em; } h4 { margin: .6em 0 .2em; font-size: .9em; }
a { color: #0969da; }
.where, .diff-sides, .diff-stat { color: var(--muted); }
.side-label { margin-right: 2em; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; }
table.list { border-collapse: collapse; width: 100%; margin: .6em 0; }
table.list th, table.list td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #d0d7de; vertical-align: top; }
tr.deleted { color: var(--muted); text-decoration: line-through; }
.version-id { font-family: ui-monospace, Menlo, Consolas, "Liberation Mono", monospace; }
.mark { display: inline-block; border-radius: 1em; padding: 0 .6em; margin-right: .3em; font-size: .8em; background: #ddf4ff; color: #0550ae; }
.mark-published { background: #dafbe1; color: #116329; } .mark-deleted { background: #ffebe9; color: #a40e26; } .mark-fork { background: #fff8c5; color: #7d4e00; }
.mark-base { background: #fbefff; color: #8250df; }
.actions { display: flex; gap: 1.2em; margin: .6em 0 1em; }
.filter input[type=search] { padding: .3em .5em; width: 20em; }
button { font: inherit; padding: .3em .9em; border-radius: 6px; border: 1px solid #d0d7de; background: #f6f8fa; cursor: pointer; }
button.confirm { background: #1f883d; color: #fff; border-color: #1a7f37; margin-right: .8em; }
label.force { display: block; margin-bottom: .8em; }
.message.failed { color: var(--removed-line); font-weight: 600; }
.cell { margin: .8em 0; padding: .4em .8em; border-left: 3px solid #d0d7de; }
.cell-label { color: var(--muted); font-size: .8em; font-family: ui-monospace, Menlo, Consolas, monospace; }
pre { margin: .3em 0; padding: .5em .7em; overflow-x: auto; font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; white-space: pre-wrap; word-break: break-word; }
pre.source { background: #f6f8fa; border-radius: 4px; }
pre.output { background: #fff; border-left: 2px solid #eaeef2; }
pre.stderr, pre.error { background: #fff5f5; }
.output.image img { max-width: 100%; height: auto; }
.output.html table, .markdown table { border-collapse: collapse; } .output.html th, .output.html td, .markdown th, .markdown td { border: 1px solid #d0d7de; padding: .2em .5em; }
.markdown img { max-width: 100%; }
details.long-output summary, details.unchanged-source summary { cursor: pointer; color: var(--muted); font-size: .85em; }
.cell-change { margin: 1.2em 0; padding: .6em .8em; border: 1px solid #d0d7de; border-radius: 6px; }
.cell-added { background: var(--added); border-color: var(--added-line); }
.cell-removed { background: var(--removed); border-color: var(--removed-line); }
.cell-modified { border-color: #bf8700; } .cell-moved { border-style: dashed; }
.cell-change .cell { border-left-color: transparent; background: rgba(255,255,255,.6); }
pre.hunks { background: #f6f8fa; }
.hunk-head { color: #8250df; } .line-added { background: var(--added); color: #116329; display: block; } .line-removed { background: var(--removed); color: #82071e; display: block; }
.line-context { display: block; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: .8em; margin: .4em 0; }
.side { min-width: 0; padding: .3em .5em; border-radius: 4px; } .side-old { background: var(--removed); } .side-new { background: var(--added); }
.side-title { font-size: .8em; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
table.value-changes { border-collapse: collapse; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
table.value-changes th, table.value-changes td { padding: .1em .5em; text-align: left; }
.ansi-black-fg { color: #3e424d; } .ansi-red-fg { color: #e75c58; } .ansi-green-fg { color: #00a250; } .ansi-yellow-fg { color: #ddb62b; }
.ansi-blue-fg { color: #208ffb; } .ansi-magenta-fg { color: #d160c4; } .ansi-cyan-fg { color: #60c6c8; } .ansi-white-fg { color: #c5c1b4; }
.ansi-bright-black-fg { color: #282c36; } .ansi-bright-red-fg { color: #b22b31; } .ansi-bright-green-fg { color: #007427; } .ansi-bright-yellow-fg { color: #b27d12; }
.ansi-bright-blue-fg { color: #0065ca; } .ansi-bright-magenta-fg { color: #a03196; } .ansi-bright-cyan-fg { color: #258f8f; } .ansi-bright-white-fg { color: #a1a6b2; }
.ansi-red-bg { background: #e75c58; } .ansi-green-bg { background: #00a250; } .ansi-yellow-bg { background: #ddb62b; } .ansi-blue-bg { background: #208ffb; }
`;

/** Pages may show images carried inline and use their own inline style; nothing else loads or runs. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'";

import { ansiHtml, markdownHtml, sanitizedHtml } from '../../src/notebook/html.js';
import { type Cell, joinText, type Notebook, type Output } from '../../src/notebook/notebook.js';

/** Text outputs longer than this many lines are folded (a <details> element: no script needed). */
const FOLD_ABOVE_LINES = 40;

/** Image types shown as images; SVG goes in an <img> too, where its scripts never run. */
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'];

/** The richest representation first, as Jupyter picks one. */
const DISPLAY_ORDER = [...IMAGE_TYPES, 'text/html', 'text/markdown', 'text/latex', 'application/json', 'text/plain'];

export function NotebookView({ notebook }: { notebook: Notebook }) {
  return (
    <div className="notebook">
      {notebook.cells.map((cell, index) => (
        <CellView key={cell.id ?? index} cell={cell} index={index} />
      ))}
    </div>
  );
}

export function CellView({ cell, index, className = '' }: { cell: Cell; index: number; className?: string }) {
  return (
    <section className={`cell cell-${cell.cell_type} ${className}`.trim()} data-index={index}>
      <div className="cell-label">
        {cell.cell_type === 'code' ? `In [${cell.execution_count ?? ' '}]` : cell.cell_type}{' '}
        <span className="cell-number">#{index + 1}</span>
      </div>
      <CellSource cell={cell} />
      {cell.outputs && cell.outputs.length > 0 ? <Outputs outputs={cell.outputs} /> : null}
    </section>
  );
}

export function CellSource({ cell }: { cell: Cell }) {
  if (cell.cell_type === 'markdown')
    // biome-ignore lint/security/noDangerouslySetInnerHtml: markdownHtml sanitises what it makes
    return <div className="markdown" dangerouslySetInnerHTML={{ __html: markdownHtml(cell.source, cell.attachments) }} />;
  return <pre className="source">{joinText(cell.source)}</pre>;
}

export function Outputs({ outputs }: { outputs: readonly Output[] }) {
  return (
    <div className="outputs">
      {outputs.map((output, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: outputs have no identity but their place
        <OutputView key={i} output={output} />
      ))}
    </div>
  );
}

function OutputView({ output }: { output: Output }) {
  if (output.output_type === 'stream') return <TextOutput text={joinText(output.text)} className={`stream ${output.name ?? ''}`} />;
  if (output.output_type === 'error') {
    const text = output.traceback?.length ? output.traceback.join('\n') : `${output.ename ?? 'Error'}: ${output.evalue ?? ''}`;
    return <TextOutput text={text} className="error" />;
  }
  const data = output.data ?? {};
  const mime = DISPLAY_ORDER.find((type) => type in data) ?? Object.keys(data)[0];
  if (mime === undefined) return null;
  const value = data[mime];
  if (IMAGE_TYPES.includes(mime)) {
    const text = typeof value === 'string' || Array.isArray(value) ? joinText(value as string[]) : '';
    const base64 = mime === 'image/svg+xml' ? Buffer.from(text, 'utf8').toString('base64') : text.replace(/\s/g, '');
    const size = output.metadata?.[mime] as { width?: number; height?: number } | undefined;
    return (
      <div className="output image">
        <img src={`data:${mime};base64,${base64}`} alt={mime} width={size?.width} height={size?.height} />
      </div>
    );
  }
  const text = typeof value === 'string' || Array.isArray(value) ? joinText(value as string[]) : JSON.stringify(value, null, 2);
  if (mime === 'text/html')
    // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised: no script, handler, frame or remote resource is left
    return <div className="output html" dangerouslySetInnerHTML={{ __html: sanitizedHtml(text) }} />;
  if (mime === 'text/markdown')
    // biome-ignore lint/security/noDangerouslySetInnerHtml: markdownHtml sanitises what it makes
    return <div className="output markdown" dangerouslySetInnerHTML={{ __html: markdownHtml(text) }} />;
  return <TextOutput text={text} className={mime === 'text/plain' ? 'result' : 'data'} />;
}

function TextOutput({ text, className }: { text: string; className: string }) {
  // biome-ignore lint/security/noDangerouslySetInnerHtml: ansiHtml escapes the text and adds only colour spans
  const pre = <pre className={`output text ${className}`.trim()} dangerouslySetInnerHTML={{ __html: ansiHtml(text) }} />;
  const lines = text.split('\n').length;
  if (lines <= FOLD_ABOVE_LINES) return pre;
  return (
    <details className="long-output">
      <summary>{lines} lines of output</summary>
      {pre}
    </details>
  );
}

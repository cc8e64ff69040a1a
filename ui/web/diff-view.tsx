import { plural } from '../../src/lib/plural.js';
import type { CellDiff, ChangedCell, LineHunk, NotebookDiff, ValueChange } from '../../src/notebook/notebook-diff.js';
import { CellSource, CellView, Outputs } from './notebook-view.js';

/** The diff `nbstore diff` prints, as HTML: the same cells, in the same order, matched the same way. */
export function DiffView({ diff, oldLabel, newLabel }: { diff: NotebookDiff; oldLabel: string; newLabel: string }) {
  const { stat } = diff;
  return (
    <div className="diff">
      <p className="diff-sides">
        <span className="side-label old">− {oldLabel}</span>
        <span className="side-label new">+ {newLabel}</span>
      </p>
      <p className="diff-stat">
        {diff.cells.length === 0 && diff.notebook.length === 0
          ? 'No differences.'
          : `${stat.added} added, ${stat.removed} removed, ${stat.modified} modified, ${stat.moved} moved; ` +
            `+${stat.linesAdded} −${stat.linesRemoved} lines; outputs changed in ${plural(stat.outputsChanged, 'cell')}`}
      </p>
      {diff.notebook.length > 0 ? (
        <section className="cell-change notebook-change">
          <h3>Notebook metadata</h3>
          <ValueChanges changes={diff.notebook} />
        </section>
      ) : null}
      {diff.cells.map((change) => (
        <CellChange
          key={`${change.change}-${'oldIndex' in change ? change.oldIndex : ''}-${'newIndex' in change ? change.newIndex : ''}`}
          change={change}
        />
      ))}
    </div>
  );
}

function CellChange({ change }: { change: CellDiff }) {
  if (change.change === 'added')
    return (
      <div className="cell-change cell-added">
        <h3>Added: cell {change.newIndex + 1}</h3>
        <CellView cell={change.cell} index={change.newIndex} />
      </div>
    );
  if (change.change === 'removed')
    return (
      <div className="cell-change cell-removed">
        <h3>Removed: cell {change.oldIndex + 1}</h3>
        <CellView cell={change.cell} index={change.oldIndex} />
      </div>
    );
  return <ChangedCellView change={change} />;
}

function ChangedCellView({ change }: { change: ChangedCell }) {
  const where =
    change.oldIndex === change.newIndex ? `cell ${change.newIndex + 1}` : `cell ${change.oldIndex + 1} → ${change.newIndex + 1}`;
  return (
    <div className={`cell-change cell-${change.change}`}>
      <h3>
        {change.change === 'moved' ? 'Moved' : change.moved ? 'Moved and modified' : 'Modified'}: {where} ({change.newCell.cell_type})
      </h3>
      {change.source ? (
        <Hunks hunks={change.source} />
      ) : change.newCell.cell_type === 'markdown' && change.change !== 'moved' ? null : (
        <details className="unchanged-source">
          <summary>source unchanged</summary>
          <CellSource cell={change.newCell} />
        </details>
      )}
      {change.source && change.newCell.cell_type === 'markdown' ? (
        <SideBySide className="markdown-sides" old={<CellSource cell={change.oldCell} />} now={<CellSource cell={change.newCell} />} />
      ) : null}
      {change.outputs ? (
        <SideBySide
          className="output-sides"
          old={<Outputs outputs={change.oldCell.outputs ?? []} />}
          now={<Outputs outputs={change.newCell.outputs ?? []} />}
        />
      ) : null}
      {change.metadata ? (
        <>
          <h4>Metadata</h4>
          <ValueChanges changes={change.metadata} />
        </>
      ) : null}
      {change.fields ? (
        <>
          <h4>Fields</h4>
          <ValueChanges changes={change.fields} />
        </>
      ) : null}
    </div>
  );
}

function SideBySide({ old, now, className }: { old: React.ReactNode; now: React.ReactNode; className: string }) {
  return (
    <div className={`sides ${className}`}>
      <div className="side side-old">
        <div className="side-title">before</div>
        {old}
      </div>
      <div className="side side-new">
        <div className="side-title">after</div>
        {now}
      </div>
    </div>
  );
}

function Hunks({ hunks }: { hunks: readonly LineHunk[] }) {
  return (
    <pre className="hunks">
      {hunks.map((hunk) => (
        <span key={`${hunk.oldStart}-${hunk.newStart}`}>
          <span className="hunk-head">{`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@\n`}</span>
          {hunk.lines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a hunk's lines are identified by their place
            <span key={i} className={line.startsWith('+') ? 'line-added' : line.startsWith('-') ? 'line-removed' : 'line-context'}>
              {`${line}\n`}
            </span>
          ))}
        </span>
      ))}
    </pre>
  );
}

function ValueChanges({ changes }: { changes: readonly ValueChange[] }) {
  const shown = (value: unknown) => (value === undefined ? '(absent)' : JSON.stringify(value));
  return (
    <table className="value-changes">
      <tbody>
        {changes.map((change) => (
          <tr key={change.path}>
            <th>{change.path}</th>
            <td className="line-removed">{shown(change.old)}</td>
            <td className="line-added">{shown(change.new)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

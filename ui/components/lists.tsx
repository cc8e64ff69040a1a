import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { escapeControls, quotePath } from '../../src/lib/text.js';
import { formatTime } from '../../src/lib/time.js';
import type { NotebookItem, Scope, VersionItem } from '../../src/ops/browse-model.js';
import type { Cursor } from '../layout.js';
import type { Loadable } from '../state.js';
import { Pane, PaneMessage } from './pane.js';

interface ListProps<T> {
  items: Loadable<T[]> | undefined;
  cursor: Cursor;
  width: number;
  height: number;
  rows: number;
  focused: boolean;
}

/** The rows of a list in view, the selected one marked (highlighted while its pane has the focus). */
function Rows<T>({
  items,
  cursor,
  rows,
  focused,
  render,
}: {
  items: T[];
  cursor: Cursor;
  rows: number;
  focused: boolean;
  render: (item: T) => ReactNode;
}) {
  return (
    <>
      {items.slice(cursor.offset, cursor.offset + rows).map((item, i) => {
        const selected = cursor.offset + i === cursor.index;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a row is a screen line; its position is its identity
          <Box key={cursor.offset + i} height={1}>
            <Text wrap="truncate-end" inverse={selected && focused} bold={selected}>
              {selected ? '›' : ' '}
              {render(item)}
            </Text>
          </Box>
        );
      })}
    </>
  );
}

/** `3/12` when the list is longer than the pane. */
function position<T>(items: T[], cursor: Cursor, rows: number): string | undefined {
  return items.length > rows ? `${cursor.index + 1}/${items.length}` : undefined;
}

export function NotebookList({
  items,
  cursor,
  width,
  height,
  rows,
  focused,
  scope,
  filter,
  filtering,
  prefix,
}: ListProps<NotebookItem> & { scope: Scope; filter: string; filtering: boolean; prefix?: string }) {
  const title = `${scope === 'workspace' ? 'Notebooks' : 'Published'}${filter !== '' || filtering ? ` /${filter}` : ''}`;
  const list = items?.state === 'ready' ? items.value : [];
  return (
    <Pane title={title} caption={position(list, cursor, rows)} width={width} height={height} focused={focused} truncate="middle">
      {items === undefined || items.state === 'loading' ? (
        <PaneMessage loading text="listing notebooks…" />
      ) : items.state === 'failed' ? (
        <PaneMessage error={items.error} />
      ) : list.length === 0 ? (
        <PaneMessage
          text={
            filter !== ''
              ? `no notebook matches /${filter} (Esc clears the filter)`
              : prefix !== undefined
                ? `no ${scope === 'workspace' ? 'notebook' : 'published notebook'} starts with ${prefix}`
                : scope === 'workspace'
                  ? 'no notebooks pushed yet'
                  : 'nothing published yet'
          }
        />
      ) : (
        <Rows items={list} cursor={cursor} rows={rows} focused={focused} render={(nb) => quotePath(nb.path)} />
      )}
    </Pane>
  );
}

export function VersionList({
  items,
  cursor,
  width,
  height,
  rows,
  focused,
  notebook,
  scope,
}: ListProps<VersionItem> & { notebook: NotebookItem | undefined; scope: Scope }) {
  const list = items?.state === 'ready' ? items.value : [];
  const authorWidth = Math.min(12, Math.max(1, ...list.map((v) => escapeControls(v.author ?? '-').length)));
  const idWidth = Math.max(0, ...list.map((v) => v.shortId.length));
  return (
    <Pane
      title={notebook ? `Versions of ${quotePath(notebook.path)}` : 'Versions'}
      truncate="middle"
      caption={[position(list, cursor, rows), scope === 'workspace' ? '● published ◆ local base' : undefined].filter(Boolean).join('  ')}
      width={width}
      height={height}
      focused={focused}
    >
      {notebook === undefined ? (
        <PaneMessage text="no notebook selected" />
      ) : items === undefined || items.state === 'loading' ? (
        <PaneMessage loading text="listing versions…" />
      ) : items.state === 'failed' ? (
        <PaneMessage error={items.error} />
      ) : list.length === 0 ? (
        <PaneMessage text="no versions" />
      ) : (
        <Rows
          items={list}
          cursor={cursor}
          rows={rows}
          focused={focused}
          render={(v) => (
            <>
              <Text color={v.isDeleteMarker ? 'red' : 'yellow'}>{v.shortId.padEnd(idWidth)}</Text> {formatTime(v.lastModified)}{' '}
              {v.from ? <Text color="magenta">from {v.from} </Text> : null}
              {v.isDeleteMarker ? (
                <Text color="red">[deleted]</Text>
              ) : (
                <>
                  {escapeControls(v.author ?? '-')
                    .slice(0, authorWidth)
                    .padEnd(authorWidth)}{' '}
                  <Text color="green">{v.published ? '●' : ' '}</Text>
                  <Text color="cyan">{v.base ? '◆' : ' '}</Text> {escapeControls(v.message)}
                </>
              )}
            </>
          )}
        />
      )}
    </Pane>
  );
}

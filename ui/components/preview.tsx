import { Box, Text } from 'ink';
import type { Loadable } from '../state.js';
import { Pane, PaneMessage } from './pane.js';

export interface PreviewProps {
  title: string;
  content: Loadable<string[]> | undefined;
  /** What to say when there is nothing to show (no version selected, a delete marker). */
  empty: string;
  offset: number;
  width: number;
  height: number;
  rows: number;
  focused: boolean;
}

/** A rendered version or diff, scrolled to `offset`; lines wider than the pane are cut. */
export function Preview({ title, content, empty, offset, width, height, rows, focused }: PreviewProps) {
  const lines = content?.state === 'ready' ? content.value : [];
  const caption = lines.length > rows ? `lines ${offset + 1}–${Math.min(lines.length, offset + rows)} of ${lines.length}` : undefined;
  return (
    <Pane title={title} caption={caption} width={width} height={height} focused={focused}>
      {content === undefined ? (
        <PaneMessage text={empty} />
      ) : content.state === 'loading' ? (
        <PaneMessage loading text="loading…" />
      ) : content.state === 'failed' ? (
        <PaneMessage error={content.error} />
      ) : (
        lines.slice(offset, offset + rows).map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a row is a screen line; its position is its identity
          <Box key={offset + i} height={1}>
            <Text wrap="truncate-end">{line === '' ? ' ' : line}</Text>
          </Box>
        ))
      )}
    </Pane>
  );
}

import { Box, Text } from 'ink';
import { escapeControls, quotePath } from '../../src/lib/text.js';
import { formatTime } from '../../src/lib/time.js';
import { MIN_SIZE } from '../layout.js';
import {
  type BrowseState,
  layoutOf,
  previewContent,
  selectedNotebook,
  selectedVersion,
  versionsOfSelected,
  visibleNotebooks,
} from '../state.js';
import { NotebookList, VersionList } from './lists.js';
import { Preview } from './preview.js';
import { StatusLine } from './status-line.js';

export interface BrowserProps {
  state: BrowseState;
  /** Where the scope's notebooks are: `workspace/ on the embedded store`. */
  location: string;
  /** The start of the paths shown, when `browse PREFIX` narrowed them. */
  prefix?: string;
}

/** Columns from which the header has room for the program's name. */
const WIDE_HEADER = 72;

/** A preview asked for and not there yet. */
const LOADING = { state: 'loading' } as const;

/** The whole screen, drawn from the state alone. */
export function Browser({ state, location, prefix }: BrowserProps) {
  const layout = layoutOf(state);
  if (layout.tooSmall) {
    return (
      <Text wrap="wrap">
        nbstore browse needs a terminal of at least {MIN_SIZE.columns}×{MIN_SIZE.rows}; this one is {layout.width}×{layout.height}. q quits.
      </Text>
    );
  }
  const notebook = selectedNotebook(state);
  const version = selectedVersion(state);
  const versions = versionsOfSelected(state);
  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      <Box height={1}>
        {/* On a narrow terminal the name goes, so that the scopes and where they are stay legible. */}
        <Text wrap="truncate-end">
          {layout.width >= WIDE_HEADER ? <Text bold>nbstore browse </Text> : null}
          <Text inverse={state.scope === 'workspace'}> workspace </Text>
          <Text inverse={state.scope === 'published'}> published </Text> <Text dimColor>{location}</Text>
        </Text>
      </Box>
      {layout.listsHeight > 0 ? (
        <Box flexDirection="row" height={layout.listsHeight}>
          <NotebookList
            items={state.notebooks.state === 'ready' ? { state: 'ready', value: visibleNotebooks(state) } : state.notebooks}
            cursor={state.notebookCursor}
            width={layout.notebooksWidth}
            height={layout.listsHeight}
            rows={layout.listRows}
            focused={state.focus === 'notebooks'}
            scope={state.scope}
            filter={state.filter}
            filtering={state.filtering}
            {...(prefix ? { prefix } : {})}
          />
          <VersionList
            items={versions}
            cursor={state.versionCursor}
            width={layout.versionsWidth}
            height={layout.listsHeight}
            rows={layout.listRows}
            focused={state.focus === 'versions'}
            notebook={notebook}
            scope={state.scope}
          />
        </Box>
      ) : null}
      <Preview
        title={
          state.diff
            ? state.diff.title
            : notebook && version
              ? `${quotePath(notebook.path)} @ ${version.shortId} · ${formatTime(version.lastModified)} · ${escapeControls(version.message)}`
              : 'Preview'
        }
        content={previewContent(state) ?? (version && !version.isDeleteMarker ? LOADING : undefined)}
        empty={
          version?.isDeleteMarker
            ? 'deleted here: the notebook was removed in this version'
            : notebook && versions?.state !== 'ready'
              ? ' '
              : 'no version selected'
        }
        offset={state.diff ? state.diff.offset : state.previewOffset}
        width={layout.width}
        height={layout.previewHeight}
        rows={layout.previewRows}
        focused={state.focus === 'preview'}
      />
      <Box height={1}>
        <StatusLine status={state.status} prompt={state.prompt} filtering={state.filtering} filter={state.filter} />
      </Box>
      {layout.footer.map((line) => (
        <Box key={line} height={1}>
          <Text dimColor wrap="truncate-end">
            {line}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

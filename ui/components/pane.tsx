import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import type { ReactNode } from 'react';

export interface PaneProps {
  title: string;
  /** Shown in the bottom border: a legend or the scroll position. */
  caption?: string;
  width: number;
  height: number;
  focused: boolean;
  /** How a title too long for the border is cut: lists keep a path's start and file name. */
  truncate?: 'middle' | 'end';
  children?: ReactNode;
}

/** A box with its title in the top border; the focused pane's border is coloured. */
export function Pane({ title, caption, width, height, focused, truncate = 'end', children }: PaneProps) {
  const colour = focused ? 'cyan' : 'gray';
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <BorderLine left="┌" right="┐" label={title} colour={colour} bold={focused} width={width} truncate={truncate} />
      <Box
        flexDirection="column"
        flexGrow={1}
        borderStyle="single"
        borderTop={false}
        borderBottom={false}
        borderColor={colour}
        overflow="hidden"
      >
        {children}
      </Box>
      <BorderLine left="└" right="┘" label={caption} colour={colour} bold={false} width={width} truncate="end" />
    </Box>
  );
}

interface BorderLineProps {
  left: string;
  right: string;
  label: string | undefined;
  colour: string;
  bold: boolean;
  width: number;
  truncate: 'middle' | 'end';
}

function BorderLine({ left, right, label, colour, bold, width, truncate }: BorderLineProps) {
  return (
    <Box flexDirection="row" height={1}>
      <Text color={colour}>{left}─</Text>
      {label ? (
        <Box flexShrink={1} height={1} overflow="hidden">
          <Text color={colour} bold={bold} wrap={truncate === 'middle' ? 'truncate-middle' : 'truncate-end'}>
            {` ${label} `}
          </Text>
        </Box>
      ) : null}
      <Box flexGrow={1} flexShrink={1} flexBasis={0} height={1} overflow="hidden">
        <Text color={colour}>{'─'.repeat(width)}</Text>
      </Box>
      <Text color={colour}>{right}</Text>
    </Box>
  );
}

/** What a pane shows in place of its content while it loads, when loading failed, or when it is empty. */
export function PaneMessage({ loading, error, text }: { loading?: boolean; error?: string; text?: string }) {
  if (loading) {
    return (
      <Text wrap="truncate-end">
        <Text color="yellow">
          <Spinner type="dots" />
        </Text>{' '}
        {text ?? 'loading…'}
      </Text>
    );
  }
  if (error !== undefined) {
    return (
      <Text color="red" wrap="wrap">
        {error}
      </Text>
    );
  }
  return (
    <Text dimColor wrap="wrap">
      {text}
    </Text>
  );
}

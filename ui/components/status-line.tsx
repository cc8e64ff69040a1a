import { Text } from 'ink';
import Spinner from 'ink-spinner';
import type { Prompt, Status } from '../state.js';

export interface StatusLineProps {
  status: Status | undefined;
  prompt: Prompt | undefined;
  filtering: boolean;
  filter: string;
}

/** One line: a question waiting for y/n, the filter being typed, or the last thing that happened. */
export function StatusLine({ status, prompt, filtering, filter }: StatusLineProps) {
  if (prompt) {
    return (
      <Text wrap="truncate-end">
        <Text color="yellow" bold>
          {prompt.question}
        </Text>{' '}
        <Text dimColor>{prompt.answers}</Text>
      </Text>
    );
  }
  if (filtering) {
    return (
      <Text wrap="truncate-end">
        <Text color="cyan">/{filter}</Text>
        <Text inverse> </Text> <Text dimColor>type to filter notebooks · ⏎ keep · Esc clear</Text>
      </Text>
    );
  }
  if (!status) return <Text> </Text>;
  if (status.tone === 'busy') {
    return (
      <Text wrap="truncate-end">
        <Text color="yellow">
          <Spinner type="dots" />
        </Text>{' '}
        {status.text}
      </Text>
    );
  }
  return (
    <Text wrap="truncate-end" color={status.tone === 'error' ? 'red' : 'green'}>
      {status.text}
    </Text>
  );
}

import { useApp, useStdout } from 'ink';
import { useCallback } from 'react';
import type { BrowseResult, BrowseSource, Scope } from '../src/ops/browse-model.js';
import { Browser } from './components/browser.js';
import { terminalSize, useBrowseState, useSourceLoads, useTerminalResize } from './hooks.js';
import { type Intent, useBrowseKeys } from './keys.js';
import { useOperations } from './operations.js';
import { initialState, selectedVersion } from './state.js';

export interface BrowseAppProps {
  source: BrowseSource;
  scope?: Scope;
  /** Called once, when the user quits. */
  onExit(result: BrowseResult): void;
}

/** The browser: state, keys and loads wired to the source. */
export function BrowseApp({ source, scope = 'workspace', onExit }: BrowseAppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [state, dispatch, current] = useBrowseState(() => initialState(terminalSize(stdout), scope));
  useTerminalResize(useCallback((size) => dispatch({ type: 'resize', size }), [dispatch]));
  useSourceLoads(state, dispatch, source);
  const operations = useOperations(current, dispatch, source);

  useBrowseKeys(current, (intent: Intent) => {
    switch (intent.kind) {
      case 'action':
        dispatch(intent.action);
        return;
      case 'op':
        void operations.perform(intent.op);
        return;
      case 'answer':
        void operations.answer(intent.yes);
        return;
      case 'quit': {
        const version = selectedVersion(current());
        if (intent.printVersionId && (!version || version.isDeleteMarker)) {
          dispatch({ type: 'status', status: { tone: 'error', text: 'select a version to print its id' } });
          return;
        }
        onExit(intent.printVersionId && version ? { printVersionId: version.versionId } : {});
        exit();
        return;
      }
      case 'none':
        return;
    }
  });

  return <Browser state={state} location={source.describe(state.scope)} {...(source.prefix ? { prefix: source.prefix } : {})} />;
}

/** The browser's wiring to its surroundings: the state holder, the terminal's size, and loading from the source. */
import { useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { isNbstoreError } from '../src/lib/errors.js';
import type { BrowseSource } from '../src/ops/browse-model.js';
import type { Size } from './layout.js';
import { type Action, type BrowseState, previewId, reduce, selectedNotebook, selectedVersion } from './state.js';

export type Dispatch = (action: Action) => void;

/**
 * The reducer's state, plus `current()`, which returns it as the last dispatched action left it
 * (before React renders it): key presses and finished loads read the state through it.
 */
export function useBrowseState(init: () => BrowseState): [BrowseState, Dispatch, () => BrowseState] {
  const latest = useRef<BrowseState | undefined>(undefined);
  latest.current ??= init();
  const [state, setState] = useState(latest.current);
  const dispatch = useCallback((action: Action) => {
    latest.current = reduce(latest.current as BrowseState, action);
    setState(latest.current);
  }, []);
  const current = useCallback(() => latest.current as BrowseState, []);
  return [state, dispatch, current];
}

/** The terminal's size now (80×24 when the stream does not know it). */
export function terminalSize(stream: { columns?: number; rows?: number }): Size {
  return { columns: stream.columns || 80, rows: stream.rows || 24 };
}

/** Calls `onResize` whenever the terminal Ink draws on changes size. */
export function useTerminalResize(onResize: (size: Size) => void): void {
  const { stdout } = useStdout();
  useEffect(() => {
    const resized = () => onResize(terminalSize(stdout));
    stdout.on('resize', resized);
    return () => {
      stdout.off('resize', resized);
    };
  }, [stdout, onResize]);
}

/** A failure as the status line says it: NbstoreError's line, anything else marked internal. */
export function describeFailure(err: unknown): string {
  if (isNbstoreError(err)) return err.message;
  return `internal error: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Loads what the screen shows and does not have yet: the scope's notebooks (again after a
 * reload), the selected notebook's versions and the selected version's preview.
 */
export function useSourceLoads(state: BrowseState, dispatch: Dispatch, source: BrowseSource): void {
  const { scope, generation } = state;
  useEffect(() => {
    source.notebooks(scope).then(
      (items) => dispatch({ type: 'notebooksLoaded', scope, generation, items }),
      (err: unknown) => dispatch({ type: 'notebooksFailed', scope, generation, error: describeFailure(err) }),
    );
  }, [source, dispatch, scope, generation]);

  const notebook = selectedNotebook(state);
  const needsVersions = notebook !== undefined && state.versions[notebook.key]?.generation !== generation;
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the notebook's key, not the object (see below)
  useEffect(() => {
    if (!notebook || !needsVersions) return;
    const { key } = notebook;
    dispatch({ type: 'versionsLoading', key });
    source.versions(scope, notebook).then(
      (items) => dispatch({ type: 'versionsLoaded', key, generation, items }),
      (err: unknown) => dispatch({ type: 'versionsFailed', key, generation, error: describeFailure(err) }),
    );
    // Keyed by the notebook's key: a reload makes new objects for the same notebooks.
  }, [source, dispatch, scope, generation, notebook?.key, needsVersions]);

  const version = selectedVersion(state);
  const id = version && !version.isDeleteMarker ? previewId(version) : undefined;
  const needsPreview = id !== undefined && state.previews[id] === undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the version's preview id; the object changes on every reload
  useEffect(() => {
    if (!version || id === undefined || !needsPreview) return;
    dispatch({ type: 'previewLoading', id });
    source.preview(version).then(
      (lines) => dispatch({ type: 'previewLoaded', id, lines }),
      (err: unknown) => dispatch({ type: 'previewFailed', id, error: describeFailure(err) }),
    );
  }, [source, dispatch, id, needsPreview]);
}

/** What d, D, c, o and p do: ask the source, show progress and the outcome, never throw. */

import { useCallback } from 'react';
import { isNbstoreError } from '../src/lib/errors.js';
import { quotePath } from '../src/lib/text.js';
import type { BrowseSource, ClonePlan, NotebookItem, Scope, VersionItem } from '../src/ops/browse-model.js';
import { type Dispatch, describeFailure } from './hooks.js';
import type { Op } from './keys.js';
import { type BrowseState, type PendingOp, previousVersion, selectedNotebook, selectedVersion } from './state.js';

const VERBS: Record<Op, string> = { diff: 'diff', diffLocal: 'diff', clone: 'clone', checkout: 'check out', publish: 'publish' };

export interface Operations {
  perform(op: Op): Promise<void>;
  /** The user's y (`yes`) or n to the question on the status line. */
  answer(yes: boolean): Promise<void>;
}

export function useOperations(current: () => BrowseState, dispatch: Dispatch, source: BrowseSource): Operations {
  /**
   * Runs a change to the store or the local files, showing progress; the lists reload after it.
   * A failure shows on the status line, and goes to `onFailure`, which may ask the user what next.
   */
  const change = useCallback(
    async (about: NotebookItem, busyText: string, work: () => Promise<string>, onFailure?: (err: unknown) => void) => {
      dispatch({ type: 'busy', text: busyText });
      try {
        dispatch({ type: 'done', status: { tone: 'info', text: await work(), about: about.key } });
        dispatch({ type: 'reload' });
      } catch (err) {
        dispatch({ type: 'done', status: { tone: 'error', text: describeFailure(err), about: about.key } });
        onFailure?.(err);
      }
    },
    [dispatch],
  );

  const clone = useCallback(
    (scope: Scope, notebook: NotebookItem, version: VersionItem, overwrite: boolean) =>
      change(notebook, `cloning ${notebook.path} @ ${version.shortId}…`, () => source.clone(scope, notebook, version, overwrite)),
    [change, source],
  );

  const publish = useCallback(
    (scope: Scope, notebook: NotebookItem, version: VersionItem) =>
      change(notebook, `publishing ${notebook.path} @ ${version.shortId}…`, () => source.publish(scope, notebook, version)),
    [change, source],
  );

  /** Checks out; unpushed changes in the way turn into a question (y discards them). */
  const checkout = useCallback(
    (scope: Scope, notebook: NotebookItem, version: VersionItem, force: boolean) =>
      change(
        notebook,
        `checking out ${notebook.path} @ ${version.shortId}…`,
        () => source.checkout(scope, notebook, version, force),
        (err) => {
          if (force || !isNbstoreError(err, 'local-changes')) return;
          dispatch({
            type: 'prompt',
            prompt: {
              question: `${notebook.path} has unpushed changes: discard them?`,
              answers: 'y discard · n/Esc keep them',
              op: { kind: 'checkout', scope, notebook, version },
            },
          });
        },
      ),
    [change, dispatch, source],
  );

  const showDiff = useCallback(
    async (title: string, work: () => Promise<string[]>) => {
      dispatch({ type: 'diffOpen', title });
      try {
        dispatch({ type: 'diffLoaded', title, lines: await work() });
      } catch (err) {
        dispatch({ type: 'diffFailed', title, error: describeFailure(err) });
      }
    },
    [dispatch],
  );

  const perform = useCallback(
    async (op: Op) => {
      const state = current();
      const notebook = selectedNotebook(state);
      const fail = (text: string) =>
        dispatch({ type: 'status', status: { tone: 'error', text, ...(notebook && !state.busy ? { about: notebook.key } : {}) } });
      if (state.busy) return fail(`wait: ${state.status?.text ?? 'busy'}`);
      const version = selectedVersion(state);
      if (!notebook || !version) return fail(`select a version to ${VERBS[op]}`);
      if (version.isDeleteMarker) return fail(`${version.shortId} marks the notebook deleted: there is nothing to ${VERBS[op]}`);
      const { scope } = state;
      switch (op) {
        case 'diff': {
          const older = previousVersion(state);
          if (!older) return fail(`nothing before ${version.shortId}, the first version (D diffs against the local file)`);
          return showDiff(`diff ${quotePath(notebook.path)}  ${older.shortId} → ${version.shortId}`, () =>
            source.diff(scope, notebook, older, version),
          );
        }
        case 'diffLocal':
          return showDiff(`diff ${quotePath(notebook.path)}  ${version.shortId} → local file`, () =>
            source.diffLocal(scope, notebook, version),
          );
        case 'clone': {
          let plan: ClonePlan;
          try {
            plan = await source.planClone(scope, notebook);
          } catch (err) {
            return fail(describeFailure(err));
          }
          if (!plan.exists) return clone(scope, notebook, version, false);
          dispatch({
            type: 'prompt',
            prompt: plan.loses
              ? {
                  question: `Overwrite ${plan.target}, losing ${plan.loses}?`,
                  answers: `y yes · n write ${plan.alternative} · Esc cancel`,
                  op: { kind: 'clone', scope, notebook, version },
                }
              : {
                  question: `Overwrite ${plan.target}?`,
                  answers: `y yes · n write ${plan.alternative} · Esc cancel`,
                  op: { kind: 'clone', scope, notebook, version },
                },
          });
          return;
        }
        case 'checkout':
          return checkout(scope, notebook, version, false);
        case 'publish':
          // Others see what is published: a stray key must not publish a draft.
          dispatch({
            type: 'prompt',
            prompt: {
              question: `Publish ${notebook.path} @ ${version.shortId}?`,
              answers: 'y publish · n/Esc cancel',
              op: { kind: 'publish', scope, notebook, version },
            },
          });
          return;
      }
    },
    [current, dispatch, source, showDiff, clone, checkout],
  );

  const answer = useCallback(
    async (yes: boolean) => {
      const op: PendingOp | undefined = current().prompt?.op;
      if (!op) return;
      dispatch({ type: 'promptClose' });
      if (op.kind === 'clone') return clone(op.scope, op.notebook, op.version, yes);
      if (op.kind === 'publish') return yes ? publish(op.scope, op.notebook, op.version) : undefined;
      if (yes) return checkout(op.scope, op.notebook, op.version, true);
      dispatch({ type: 'status', status: { tone: 'info', text: `left ${op.notebook.path} as it is`, about: op.notebook.key } });
    },
    [current, dispatch, clone, checkout, publish],
  );

  return { perform, answer };
}

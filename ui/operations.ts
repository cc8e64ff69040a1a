/** What d, D, c, o and p do: ask the source, show progress and the outcome, never throw. */
import { useCallback } from 'react';
import { isNbstoreError } from '../src/errors.js';
import { type Dispatch, describeFailure } from './hooks.js';
import type { Op } from './keys.js';
import type { BrowseSource, NotebookItem, Scope, VersionItem } from './model.js';
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
    async (busyText: string, work: () => Promise<string>, onFailure?: (err: unknown) => void) => {
      dispatch({ type: 'busy', text: busyText });
      try {
        dispatch({ type: 'done', status: { tone: 'info', text: await work() } });
        dispatch({ type: 'reload' });
      } catch (err) {
        dispatch({ type: 'done', status: { tone: 'error', text: describeFailure(err) } });
        onFailure?.(err);
      }
    },
    [dispatch],
  );

  const clone = useCallback(
    (scope: Scope, notebook: NotebookItem, version: VersionItem, target: string, overwrite: boolean) =>
      change(`cloning ${notebook.path} @ ${version.shortId} to ${target}…`, () => source.clone(scope, notebook, version, target, overwrite)),
    [change, source],
  );

  /** Checks out; unpushed changes in the way turn into a question (y discards them). */
  const checkout = useCallback(
    (scope: Scope, notebook: NotebookItem, version: VersionItem, force: boolean) =>
      change(
        `checking out ${notebook.path} @ ${version.shortId}…`,
        () => source.checkout(scope, notebook, version, force),
        (err) => {
          if (force || !isNbstoreError(err, 'local-changes')) return;
          dispatch({
            type: 'prompt',
            prompt: {
              question: `${notebook.path} has changes that are not pushed. Discard them and check out ${version.shortId}?`,
              answers: 'y discard them · n/Esc keep them',
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
      const fail = (text: string) => dispatch({ type: 'status', status: { tone: 'error', text } });
      if (state.busy) return fail(`wait: ${state.status?.text ?? 'busy'}`);
      const notebook = selectedNotebook(state);
      const version = selectedVersion(state);
      if (!notebook || !version) return fail(`select a version to ${VERBS[op]}`);
      if (version.isDeleteMarker) return fail(`${version.shortId} marks the notebook deleted: there is nothing to ${VERBS[op]}`);
      const { scope } = state;
      switch (op) {
        case 'diff': {
          const older = previousVersion(state);
          if (!older) return fail(`${version.shortId} is the first version of ${notebook.path}: there is nothing before it (D diffs against the local file)`);
          return showDiff(`diff ${notebook.path}  ${older.shortId} → ${version.shortId}`, () => source.diff(older, version));
        }
        case 'diffLocal':
          return showDiff(`diff ${notebook.path}  ${version.shortId} → local file`, () => source.diffLocal(scope, notebook, version));
        case 'clone': {
          let plan;
          try {
            plan = await source.planClone(scope, notebook, version);
          } catch (err) {
            return fail(describeFailure(err));
          }
          if (!plan.exists) return clone(scope, notebook, version, plan.target, false);
          dispatch({
            type: 'prompt',
            prompt: {
              question: `${plan.target} exists. Overwrite it?`,
              answers: `y overwrite · n write ${plan.alternative} · Esc cancel`,
              op: { kind: 'clone', scope, notebook, version, target: plan.target, alternative: plan.alternative },
            },
          });
          return;
        }
        case 'checkout':
          return checkout(scope, notebook, version, false);
        case 'publish':
          return change(`publishing ${notebook.path} @ ${version.shortId}…`, () => source.publish(scope, notebook, version));
      }
    },
    [current, dispatch, source, showDiff, clone, checkout, change],
  );

  const answer = useCallback(
    async (yes: boolean) => {
      const op: PendingOp | undefined = current().prompt?.op;
      if (!op) return;
      dispatch({ type: 'promptClose' });
      if (op.kind === 'clone') return clone(op.scope, op.notebook, op.version, yes ? op.target : op.alternative, yes);
      if (yes) return checkout(op.scope, op.notebook, op.version, true);
      dispatch({ type: 'status', status: { tone: 'info', text: `left ${op.notebook.path} as it is` } });
    },
    [current, dispatch, clone, checkout],
  );

  return { perform, answer };
}

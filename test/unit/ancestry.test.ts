import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commonAncestor, findForks, isAncestor, type LinkedVersion } from '../../src/history/ancestry.js';

/** A history newest first, each version as `id<parent` or `id<parent+mergeParent`; `-` a delete marker; no `<`: no link. */
function history(...specs: string[]): LinkedVersion[] {
  return specs.map((spec) => {
    if (spec === '-') return { versionId: `marker${Math.random()}`, isDeleteMarker: true };
    const [id, links] = spec.split('<') as [string, string | undefined];
    const [parent, mergeParent] = (links ?? '').split('+');
    return { versionId: id, isDeleteMarker: false, ...(parent ? { parent } : {}), ...(mergeParent ? { mergeParent } : {}) };
  });
}

describe('ancestry along parent links', () => {
  it('finds the nearest common ancestor of two lines', () => {
    const h = history('d<b', 'c<b', 'b<a', 'a');
    assert.equal(commonAncestor(h, ['d'], 'c'), 'b');
    assert.equal(commonAncestor(h, ['c'], 'c'), 'c');
    assert.equal(commonAncestor(h, ['d'], 'a'), 'a');
  });

  it('goes through the second parent of a merge', () => {
    const h = history('e<d+c', 'd<b', 'c<b', 'b<a', 'a');
    assert.ok(isAncestor(h, 'c', ['e']));
    assert.ok(!isAncestor(h, 'e', ['c']));
    assert.equal(commonAncestor(h, ['e'], 'c'), 'c');
  });

  it('takes the version before as the parent of one with no link (another tool wrote it), past delete markers', () => {
    const h = history('d<c', 'c', '-', 'b', 'a');
    assert.ok(isAncestor(h, 'a', ['d']));
    assert.equal(commonAncestor(h, ['d'], 'b'), 'b');
  });

  it('says nothing when the links do not meet', () => {
    assert.equal(commonAncestor(history('b<x', 'a<y'), ['b'], 'a'), undefined);
  });

  it('finds forks: versions outside the history of the latest, named by their newest version', () => {
    assert.deepEqual(findForks(history('c<b', 'b<a', 'a')), []);
    assert.deepEqual(findForks(history('d<a', 'c<b', 'b<a', 'a')), [{ versionId: 'c', versions: ['c', 'b'], forkedFrom: 'a' }]);
    // Folded back in by a merge: no fork.
    assert.deepEqual(findForks(history('e<d+c', 'd<a', 'c<b', 'b<a', 'a')), []);
    // Two forks from one version.
    assert.deepEqual(
      findForks(history('d<a', 'c<a', 'b<a', 'a')).map((f) => f.versionId),
      ['c', 'b'],
    );
    assert.deepEqual(findForks(history('-', 'b<a', 'a')), [], 'a deleted notebook has no latest to fork from');
  });
});

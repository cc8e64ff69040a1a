import '../support/interactive-terminal.js';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { KEYS, lineWith, renderBrowser, screenLines } from '../support/browser.js';
import { sampleSource } from '../support/fake-source.js';

const mounted: Array<() => void> = [];
afterEach(() => {
  for (const unmount of mounted.splice(0)) unmount();
});

function browse(...args: Parameters<typeof renderBrowser>) {
  const browser = renderBrowser(...args);
  mounted.push(browser.unmount);
  return browser;
}

describe('browse screen', () => {
  it('shows a spinner while notebooks load, then the notebooks, the versions of the first and its preview', async () => {
    const source = sampleSource(3, 4);
    source.hold('notebooks');
    const ui = browse(source);
    await ui.waitFor(/listing notebooks…/);
    assert.match(ui.frame(), /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] listing notebooks…/);
    source.release('notebooks');
    const screen = await ui.waitFor(/01v4-full-id line 1/);
    assert.match(screen, /Notebooks/);
    assert.match(screen, /│›nb01\.ipynb/);
    assert.match(screen, /nb03\.ipynb/);
    assert.match(screen, /Versions of nb01\.ipynb/);
    assert.match(lineWith(screen, '01v4 ') ?? '', /›01v4 2026-11-20 12:04 kylek\s+◆ message 4/);
    assert.match(lineWith(screen, '01v1 ') ?? '', /01v1 2026-11-20 12:01 kylek ●\s+message 1/, 'the published version is marked');
    assert.match(screen, /nb01\.ipynb @ 01v4 · 2026-11-20 12:04 · message 4/);
    assert.match(screen, /d diff/);
    assert.match(screen, /q quit/);
  });

  it('moves with j, k and the arrows, focuses with Enter, and switches panes with Tab', async () => {
    const ui = browse(sampleSource(3, 4));
    await ui.waitFor(/01v4-full-id line 1/);
    ui.press('j');
    await ui.waitFor(/02v4-full-id line 1/, 'the second notebook previewed');
    ui.press(KEYS.down, 'k');
    await ui.waitFor((s) => /›nb02\.ipynb/.test(s) && /02v4-full-id line 1/.test(s), 'back on the second notebook');
    ui.press(KEYS.enter, 'j');
    await ui.waitFor(/02v3-full-id line 1/, 'the version below previewed');
    ui.press(KEYS.up);
    await ui.waitFor(/02v4-full-id line 1/);
    ui.press(KEYS.tab, KEYS.tab, 'j');
    await ui.waitFor((s) => /›nb03\.ipynb/.test(s), 'Tab wraps round to the notebooks');
    ui.press(KEYS.enter, KEYS.enter);
    const zoomed = await ui.waitFor((s) => !s.includes('Versions of') && /03v4-full-id line 18/.test(s), 'the preview filling the screen');
    assert.match(zoomed, /nb03\.ipynb @ 03v4/);
    ui.press('j', 'j', 'j');
    await ui.waitFor((s) => !s.includes('03v4-full-id line 3\n') && /lines 4–21 of 60/.test(s), 'the preview scrolled three lines');
    ui.press(KEYS.shiftTab);
    await ui.waitFor(/Versions of nb03\.ipynb/, 'Shift+Tab back to the versions');
  });

  it('scrolls a long list and shows where the selection is', async () => {
    const ui = browse(sampleSource(30, 2));
    await ui.waitFor(/01v2-full-id line 1/);
    assert.match(ui.frame(), /1\/30/);
    assert.doesNotMatch(ui.frame(), /nb09\.ipynb/);
    ui.press(...Array.from({ length: 12 }, () => 'j'));
    const screen = await ui.waitFor(/13\/30/);
    assert.match(screen, /›nb13\.ipynb/);
    assert.doesNotMatch(screen, /nb01\.ipynb/, 'the top of the list scrolled away');
    ui.press('G');
    await ui.waitFor((s) => /30\/30/.test(s) && /›nb30\.ipynb/.test(s));
    ui.press('g');
    await ui.waitFor((s) => /1\/30/.test(s) && /›nb01\.ipynb/.test(s));
  });

  it('filters notebooks by name with /, and Esc clears the filter', async () => {
    const ui = browse(sampleSource(12, 1));
    await ui.waitFor(/01v1-full-id line 1/);
    ui.press('/', '1', '1');
    const filtered = await ui.waitFor((s) => /Notebooks \/11/.test(s) && !s.includes('nb02.ipynb'), 'the list narrowed to /11');
    assert.match(filtered, /›nb11\.ipynb/);
    assert.match(filtered, /\/11 .*type to filter notebooks/);
    ui.press(KEYS.backspace);
    await ui.waitFor(
      (s) => /nb10\.ipynb/.test(s) && /nb12\.ipynb/.test(s) && !s.includes('nb02.ipynb'),
      '/1 matching nb01, nb10, nb11, nb12',
    );
    ui.press(KEYS.enter);
    await ui.waitFor((s) => !s.includes('type to filter'), 'the filter kept, typing done');
    ui.press('j');
    await ui.waitFor(/›nb12\.ipynb/, 'moving within the filtered list');
    ui.press(KEYS.escape);
    await ui.waitFor(
      (s) => /12\/12/.test(s) && /›nb12\.ipynb/.test(s) && /nb07\.ipynb/.test(s) && !s.includes('Notebooks /'),
      'the whole list back, the selection kept',
    );
  });

  it('shows the diff against the previous version with d, and goes back to the preview with Esc', async () => {
    const source = sampleSource(2, 3);
    const ui = browse(source);
    await ui.waitFor(/01v3-full-id line 1/);
    ui.press('d');
    const diff = await ui.waitFor(/\+\+\+ 01v3-full-id/);
    assert.match(diff, /diff nb01\.ipynb {2}01v2 → 01v3/);
    assert.match(diff, /--- 01v2-full-id/);
    assert.deepEqual(source.calls.filter((c) => c.method === 'diff').at(-1)?.args, ['01v2-full-id', '01v3-full-id']);
    ui.press(KEYS.escape);
    await ui.waitFor((s) => /01v3-full-id line 1/.test(s) && !s.includes('+++'), 'the preview back');
    assert.equal(ui.exits.length, 0, 'Esc closed the diff, it did not quit');
    ui.press(KEYS.tab, 'G', 'd');
    await ui.waitFor(/nothing before 01v1, the first version \(D diffs against the local file\)/);
  });

  it('shows the diff against the local file with D', async () => {
    const source = sampleSource(2, 3);
    const ui = browse(source);
    await ui.waitFor(/01v3-full-id line 1/);
    ui.press(KEYS.tab, 'j', 'D');
    const diff = await ui.waitFor(/\+\+\+ nb01\.ipynb \(local\)/);
    assert.match(diff, /diff nb01\.ipynb {2}01v2 → local file/);
    assert.deepEqual(source.calls.find((c) => c.method === 'diffLocal')?.args, ['nb01.ipynb', '01v2-full-id']);
  });

  it('clones a version: straight to a free name, else asks; y overwrites, n writes name-1.ipynb', async () => {
    const source = sampleSource(2, 3);
    const ui = browse(source);
    await ui.waitFor(/01v3-full-id line 1/);
    ui.press('c');
    await ui.waitFor(/cloned nb01\.ipynb @ 01v3 to nb01\.ipynb/);
    assert.deepEqual(source.calls.find((c) => c.method === 'clone')?.args, ['nb01.ipynb', '01v3-full-id', 'false']);

    ui.press(KEYS.tab, 'j', 'c');
    const asked = await ui.waitFor(/Overwrite nb01\.ipynb\?/);
    assert.match(asked, /Overwrite nb01\.ipynb\? y yes · n write nb01-1\.ipynb · Esc cancel/);
    ui.press('q');
    assert.equal(ui.exits.length, 0, 'q does not quit while a question waits');
    ui.press('n');
    await ui.waitFor(/cloned nb01\.ipynb @ 01v2 to nb01-1\.ipynb/);
    assert.deepEqual(source.calls.filter((c) => c.method === 'clone').at(-1)?.args, ['nb01.ipynb', '01v2-full-id', 'false']);

    ui.press('c');
    await ui.waitFor(/Overwrite nb01\.ipynb\?/);
    ui.press('y');
    await ui.waitFor(/cloned nb01\.ipynb @ 01v2 to nb01\.ipynb/);
    assert.deepEqual(source.calls.filter((c) => c.method === 'clone').at(-1)?.args, ['nb01.ipynb', '01v2-full-id', 'true']);

    const clones = source.calls.filter((c) => c.method === 'clone').length;
    ui.press('c');
    await ui.waitFor(/Overwrite nb01\.ipynb\?/);
    ui.press(KEYS.escape);
    await ui.waitFor((s) => !s.includes('Overwrite nb01'));
    assert.equal(source.calls.filter((c) => c.method === 'clone').length, clones, 'Esc cancelled the clone');
  });

  it('checks out a version, asking before it discards changes that are not pushed', async () => {
    const source = sampleSource(2, 3);
    source.unpushed.add('nb01.ipynb');
    const ui = browse(source);
    await ui.waitFor(/01v3-full-id line 1/);
    ui.press(KEYS.tab, 'j', 'o');
    await ui.waitFor(/nb01\.ipynb has unpushed changes: discard them\? y discard · n\/Esc keep them/);
    ui.press('n');
    await ui.waitFor(/left nb01\.ipynb as it is/);
    assert.equal(source.files.get('nb01.ipynb'), undefined);
    ui.press('o');
    await ui.waitFor(/discard them\?/);
    ui.press('y');
    await ui.waitFor(/checked out nb01\.ipynb at version 01v2-full-id/);
    assert.equal(source.files.get('nb01.ipynb'), '01v2-full-id');
    assert.deepEqual(
      source.calls.filter((c) => c.method === 'checkout').map((c) => c.args[2]),
      ['false', 'false', 'true'],
    );
  });

  it('publishes a version once asked, and lists the versions again, keeping the selection', async () => {
    const source = sampleSource(2, 3);
    const ui = browse(source);
    await ui.waitFor(/01v3-full-id line 1/);
    ui.press(KEYS.tab, 'j');
    await ui.waitFor(/01v2-full-id line 1/);
    ui.press('p');
    await ui.waitFor(/Publish nb01\.ipynb @ 01v2\? y publish · n\/Esc cancel/);
    ui.press('n');
    await ui.waitFor((s) => !s.includes('Publish nb01'), 'the question gone');
    assert.equal(source.calls.filter((c) => c.method === 'publish').length, 0, 'n publishes nothing');
    source.hold('publish');
    const listings = source.calls.filter((c) => c.method === 'versions').length;
    ui.press('p');
    await ui.waitFor(/Publish nb01\.ipynb @ 01v2\?/);
    ui.press('y');
    await ui.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] publishing nb01\.ipynb @ 01v2…/);
    ui.press('c');
    await ui.waitFor(/wait: publishing nb01\.ipynb @ 01v2…/, 'a second operation waits for the first');
    source.release('publish');
    await ui.waitFor(/published nb01\.ipynb @ 01v2/);
    await ui.waitFor(() => source.calls.filter((c) => c.method === 'versions').length > listings, 'the versions listed again');
    assert.match(lineWith(await ui.waitFor(/›01v2/), '01v2 ') ?? '', /›01v2/);
  });

  it('shows failures on the status line or in the pane, and goes on working', async () => {
    const source = sampleSource(3, 2);
    source.failures.set('preview', 'cannot reach the S3 endpoint');
    const ui = browse(source);
    await ui.waitFor(/cannot reach the S3 endpoint/);
    source.failures.set('diff', 'nb01.ipynb@01v1: not a notebook (Unexpected token)');
    ui.press('d');
    const failed = await ui.waitFor((s) => (s.match(/not a notebook/g) ?? []).length >= 1 && /diff nb01/.test(s));
    assert.match(failed, /not a notebook/);
    ui.press(KEYS.escape);
    await ui.waitFor((s) => !s.includes('diff nb01'), 'the diff closed');
    source.failures.clear();
    ui.press('j');
    await ui.waitFor(/02v2-full-id line 1/, 'browsing goes on');
    source.failures.set('clone', 'cannot write /x/nb02.ipynb: permission denied');
    ui.press('c');
    await ui.waitFor(/cannot write \/x\/nb02\.ipynb: permission denied/);
    assert.equal(ui.exits.length, 0);
  });

  it('switches to the published notebooks with t and back', async () => {
    const source = sampleSource(3, 2);
    const ui = browse(source);
    await ui.waitFor(/01v2-full-id line 1/);
    ui.press('t');
    const published = await ui.waitFor(/pub-01v1-full-id line 1/);
    assert.match(published, /Published/);
    assert.match(published, /published\/ in memory/);
    assert.doesNotMatch(published, /nb02\.ipynb/);
    assert.match(published, /t workspace/);
    ui.press('t');
    await ui.waitFor((s) => /nb02\.ipynb/.test(s) && /t published/.test(s));
  });

  it('fits an 80×24 terminal and redraws when it is resized', async () => {
    const ui = browse(sampleSource(30, 12));
    await ui.waitFor(/01v12-full-id line 1/);
    ui.resize(80, 24);
    const small = await ui.waitFor(
      (s) => screenLines(s).length === 24 && screenLines(s).every((line) => [...line].length <= 80),
      'the screen redrawn at 80×24',
    );
    assert.match(small, /↑↓\/jk move/);
    assert.match(screenLines(small)[0] ?? '', /^nbstore browse/);
    assert.match(screenLines(small).at(-1) ?? '', /q quit$/);
    ui.resize(120, 40);
    const big = await ui.waitFor((s) => screenLines(s).length === 40);
    assert.ok(
      screenLines(big).some((line) => [...line].length > 100),
      'the wider terminal is used',
    );
    assert.match(big, /01v12-full-id line 20/, 'the taller terminal shows more of the preview');
    ui.resize(30, 10);
    await ui.waitFor(/needs a\s+terminal of at least 40×12;\s+this one is 30×10/);
    ui.resize(80, 24);
    await ui.waitFor((s) => screenLines(s).length === 24 && s.includes('Versions of nb01.ipynb'));
  });

  it('hands back the selected version id on y, and nothing on q', async () => {
    const printed = browse(sampleSource(2, 3));
    await printed.waitFor(/01v3-full-id line 1/);
    printed.press(KEYS.tab, 'j', 'y');
    await printed.waitFor(() => printed.exits.length === 1, 'the browser to close');
    assert.deepEqual(printed.exits, [{ printVersionId: '01v2-full-id' }]);

    const quit = browse(sampleSource(2, 3));
    await quit.waitFor(/01v3-full-id line 1/);
    quit.press('q');
    await quit.waitFor(() => quit.exits.length === 1, 'the browser to close');
    assert.deepEqual(quit.exits, [{}]);
  });
});

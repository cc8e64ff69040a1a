import './interactive-terminal.js';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import type { BrowseResult, BrowseSource, Scope } from '../../src/ops/browse-model.js';
import { BrowseApp } from '../../ui/browse-app.js';

/** What a terminal sends for the keys the browser reads. */
export const KEYS = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  pageDown: '\x1b[6~',
  enter: '\r',
  tab: '\t',
  shiftTab: '\x1b[Z',
  escape: '\x1b',
  backspace: '\x7f',
};

/** How long a frame may take to show what a test waits for before the test fails. */
const PATIENCE_MS = 10_000;

/** The browser rendered by ink-testing-library, with a user's keyboard and a resizable terminal. */
export function renderBrowser(source: BrowseSource, scope: Scope = 'workspace') {
  const exits: BrowseResult[] = [];
  const app = render(createElement(BrowseApp, { source, scope, onExit: (result: BrowseResult) => exits.push(result) }));
  // Colours, if the environment turns them on, are not what these tests look at.
  const frame = () => (app.lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  return {
    exits,
    frame,
    /** Sends keys one write at a time, as a user types them. */
    press(...keys: string[]) {
      for (const key of keys) app.stdin.write(key);
    },
    /** Waits until the screen shows what `test` asks for (a pattern or a check) and returns it. */
    async waitFor(test: RegExp | ((screen: string) => boolean), what = String(test)): Promise<string> {
      const deadline = Date.now() + PATIENCE_MS;
      for (;;) {
        const screen = frame();
        if (typeof test === 'function' ? test(screen) : test.test(screen)) return screen;
        if (Date.now() > deadline) throw new Error(`the screen never showed ${what}; it shows:\n${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    /** Gives the terminal a new size, as a window resize does. */
    resize(columns: number, rows: number) {
      Object.defineProperty(app.stdout, 'columns', { value: columns, configurable: true });
      Object.defineProperty(app.stdout, 'rows', { value: rows, configurable: true });
      app.stdout.emit('resize');
    },
    unmount: () => app.unmount(),
  };
}

/** The screen's lines, without trailing blanks. */
export function screenLines(screen: string): string[] {
  return screen.split('\n').map((line) => line.trimEnd());
}

/** The line of the screen that contains `text`. */
export function lineWith(screen: string, text: string): string | undefined {
  return screenLines(screen).find((line) => line.includes(text));
}

import { render } from 'ink';
import type { BrowseResult, BrowseSource, Scope } from '../src/ops/browse-model.js';
import { BrowseApp } from './browse-app.js';

export interface Terminal {
  input: NodeJS.ReadableStream;
  /** Where the screen is drawn: stdout, or stderr when stdout is a pipe (`id=$(nbstore browse)`). */
  screen: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
}

// The terminal's alternate screen, as full-screen programs use: the shell's screen comes back on exit.
const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';

/** Runs the browser full-screen until the user quits. */
export async function runBrowser(source: BrowseSource, terminal: Terminal, scope: Scope = 'workspace'): Promise<BrowseResult> {
  let result: BrowseResult = {};
  terminal.screen.write(ENTER_ALTERNATE_SCREEN);
  try {
    const onExit = (chosen: BrowseResult) => {
      result = chosen;
    };
    const app = render(<BrowseApp source={source} scope={scope} onExit={onExit} />, {
      stdin: terminal.input as NodeJS.ReadStream,
      stdout: terminal.screen as NodeJS.WriteStream,
      stderr: terminal.errors as NodeJS.WriteStream,
    });
    // Ctrl+C ends it too, with nothing chosen.
    await app.waitUntilExit();
    return result;
  } finally {
    terminal.screen.write(LEAVE_ALTERNATE_SCREEN);
  }
}

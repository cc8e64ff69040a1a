import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How long the screen may take to show what a test waits for before the test fails. */
const PATIENCE_MS = 20_000;

/**
 * A real terminal: a command running in tmux (on a private tmux server), driven with send-keys
 * and read with capture-pane, as a user sees it.
 */
export class Terminal {
  private readonly socket: string;
  /** Where the command's exit status is written when it ends. */
  private readonly statusFile: string;

  private constructor(name: string) {
    this.socket = join(tmpdir(), `${name}.sock`);
    this.statusFile = join(tmpdir(), `${name}.status`);
  }

  /** Starts `command` (a shell command line) in `cwd` on a `columns`×`rows` terminal, with `env`. */
  static async start(command: string, options: { cwd: string; env: NodeJS.ProcessEnv; columns: number; rows: number }): Promise<Terminal> {
    const terminal = new Terminal(`nbstore-tmux-${randomBytes(4).toString('hex')}`);
    // A private server: not the tmux a test may itself run in.
    const env = { ...options.env };
    delete env.TMUX;
    // The pane stays after the command ends, so a test can read the screen it left.
    const line = `${command}; echo $? > ${shellQuote(terminal.statusFile)}`;
    await terminal.tmux(
      [
        'new-session',
        '-d',
        '-s',
        'nbstore',
        '-x',
        String(options.columns),
        '-y',
        String(options.rows),
        '-c',
        options.cwd,
        line,
        ';',
        'set-option',
        '-w',
        '-t',
        'nbstore',
        'remain-on-exit',
        'on',
      ],
      env,
    );
    return terminal;
  }

  private async tmux(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
    const { stdout } = await run('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], env ? { env } : {});
    return stdout;
  }

  /** The screen as it shows now, one string, trailing spaces trimmed (capture-pane's text). */
  async screen(): Promise<string> {
    return (await this.tmux(['capture-pane', '-p', '-t', 'nbstore'])).replace(/\n$/, '');
  }

  /** Waits until the screen shows what `test` asks for and returns that screen. */
  async waitFor(test: RegExp | ((screen: string) => boolean), what = String(test)): Promise<string> {
    const deadline = Date.now() + PATIENCE_MS;
    for (;;) {
      const screen = await this.screen();
      if (typeof test === 'function' ? test(screen) : test.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${what}; it shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Types keys: tmux key names (Tab, Escape, Enter, Down…) or single characters. */
  async press(...keys: string[]): Promise<void> {
    for (const key of keys) await this.tmux(['send-keys', '-t', 'nbstore', key]);
  }

  async resize(columns: number, rows: number): Promise<void> {
    await this.tmux(['resize-window', '-t', 'nbstore', '-x', String(columns), '-y', String(rows)]);
  }

  /** Waits for the command to end and returns its exit status. */
  async exited(): Promise<number> {
    const deadline = Date.now() + PATIENCE_MS;
    for (;;) {
      const status = await readFile(this.statusFile, 'utf8').catch(() => '');
      if (status.endsWith('\n')) return Number(status);
      if (Date.now() > deadline) throw new Error(`the command did not end; the terminal shows:\n${await this.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    await this.tmux(['kill-server']).catch(() => undefined);
    await rm(this.socket, { force: true });
    await rm(this.statusFile, { force: true });
  }
}

/** A word quoted for the shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import type { Io } from './io.js';

/** The pager command, as git chooses one: `$NBSTORE_PAGER`, then `$PAGER`, then `less -FRX`
 * (quit when it fits one screen, pass colours, leave the text on the screen). */
export function pagerCommand(env: NodeJS.ProcessEnv): string {
  return (env.NBSTORE_PAGER ?? env.PAGER ?? 'less -FRX').trim();
}

/** Whether `text` takes more lines than the terminal shows, long lines counted as they wrap. */
export function overflowsScreen(text: string, rows: number, columns: number): boolean {
  let lines = 0;
  // Escapes (colours) take no columns.
  for (const line of stripVTControlCharacters(text).split('\n')) {
    lines += Math.max(1, Math.ceil(line.length / Math.max(1, columns)));
    if (lines >= rows) return true;
  }
  return false;
}

/**
 * Writes a command's whole output, through the pager when stdout is a terminal and the output
 * is longer than the screen (`--no-pager`, or a pager set to `cat` or to nothing, writes it
 * straight). A pager that cannot be started writes it straight too; one quit early is not an error.
 */
export async function writePaged(io: Io, text: string, pager: boolean): Promise<void> {
  const command = pagerCommand(io.env);
  const { isTTY, rows = 24, columns = 80 } = io.stdout;
  if (!pager || !isTTY || command === '' || command === 'cat' || !overflowsScreen(text, rows, columns)) {
    io.stdout.write(text);
    return;
  }
  const started = await new Promise<boolean>((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['pipe', io.stdout === process.stdout ? 'inherit' : 'pipe', 'inherit'],
      env: { LESS: 'FRX', LV: '-c', ...io.env },
    });
    child.on('error', () => resolve(false));
    child.stdout?.pipe(io.stdout, { end: false });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(text);
    child.on('close', () => resolve(true));
  });
  if (!started) io.stdout.write(text);
}

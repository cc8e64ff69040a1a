import type { Io } from './io.js';

export interface Progress {
  tick(): void;
  /** Erases the bar so that a line can be printed above it. */
  clear(): void;
  done(): void;
}

const BAR_WIDTH = 24;

/** A progress bar on stderr for bulk work; silent when stderr is not a terminal. */
export function progressReporter(io: Io, verb: string, total: number): Progress {
  if (!io.stderr.isTTY || total < 2) return { tick() {}, clear() {}, done() {} };
  let count = 0;
  let shown = false;
  const draw = () => {
    const filled = Math.round((count / total) * BAR_WIDTH);
    io.stderr.write(`\r${verb} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${count}/${total}`);
    shown = true;
  };
  return {
    tick() {
      count++;
      draw();
    },
    clear() {
      if (shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[2K');
    },
  };
}

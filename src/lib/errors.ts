import { escapeControls, redactUrl } from './text.js';

/**
 * The one user-facing error type. `code` is stable (tests and scripts match on it), `message` is
 * a single line, `exitCode` is what bin/ exits with.
 */
export type ErrorCode =
  | 'usage'
  | 'not-a-workspace'
  | 'already-a-workspace'
  | 'file-missing'
  | 'not-a-file'
  | 'not-a-notebook'
  | 'too-large'
  | 'outside-workspace'
  | 'not-tracked'
  | 'unknown-revision'
  | 'ambiguous-revision'
  | 'bad-revision'
  | 'not-found'
  | 'bucket-missing'
  | 'versioning-off'
  | 'bad-credentials'
  | 'access-denied'
  | 'endpoint-unreachable'
  | 'timeout'
  | 'spooled'
  | 'local-changes'
  | 'conflicts'
  | 'diverged'
  | 'checksum-mismatch'
  | 'bad-config'
  | 'bad-state'
  | 'unsafe-key'
  | 'write-failed'
  | 'permission-denied'
  | 'no-tty'
  | 's3-error'
  | 'bad-request'
  | 'too-deep';

const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  usage: 2,
  // EX_TEMPFAIL: the save is kept locally and a later push sends it.
  spooled: 75,
};

export class NbstoreError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    // Messages quote keys, metadata and servers' words: whatever of them got here unescaped is escaped now.
    super(escapeControls(redactUrl(message)), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NbstoreError';
    this.code = code;
    this.exitCode = options?.exitCode ?? EXIT_CODES[code] ?? 1;
  }
}

export function isNbstoreError(err: unknown, code?: ErrorCode): err is NbstoreError {
  return err instanceof NbstoreError && (code === undefined || err.code === code);
}

/** Node's errno code of a failed fs call, if any. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

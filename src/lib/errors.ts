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
  | 'diverged'
  | 'checksum-mismatch'
  | 'bad-config'
  | 'bad-state'
  | 'unsafe-key'
  | 'write-failed'
  | 'no-tty'
  | 's3-error';

const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  usage: 2,
  // EX_TEMPFAIL: the save is kept locally and a later push sends it.
  spooled: 75,
};

export class NbstoreError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message.replace(/\s*\n\s*/g, ' '), options?.cause === undefined ? undefined : { cause: options.cause });
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

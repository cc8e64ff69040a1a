import { NbstoreError } from '../lib/errors.js';

/**
 * A yargs `coerce` for a count: the value must be a whole number of at least `min`. It runs
 * while the command line is read, so a bad number is a usage error before anything happens.
 */
export function wholeNumber(flag: string, min: number): (value: unknown) => number {
  return (value) => {
    const n = typeof value === 'number' ? value : Number(value);
    if (Array.isArray(value) || !Number.isInteger(n) || n < min) {
      throw new NbstoreError(
        'usage',
        `${flag} takes a whole number of at least ${min}, not "${Array.isArray(value) ? value.join(' ') : String(value)}"`,
      );
    }
    return n;
  };
}

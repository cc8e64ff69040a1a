/**
 * Runs `fn` over `items` with at most `limit` in flight; results keep the input order.
 *
 * When one call fails, no further item is started, and the promise settles only once every call
 * already in flight has settled; then it rejects with the first failure. So a caller that holds a
 * lock around `mapLimit` (the hook's flusher) never releases it while uploads still run.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

/**
 * A checkpoint for long computations on the main thread: awaited often, it lets the event loop
 * run (signal handlers, timers) once at least `everyMs` have passed since it last did, so Ctrl-C
 * stops a long diff at once. Cheap when called between small steps.
 */
export function yieldingEvery(everyMs: number): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}

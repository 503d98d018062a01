/**
 * delay resolves after `ms`, or at once when `signal` aborts (the client closed), so no retry
 * wait keeps a closed client's promises pending. It never rejects: callers check why they woke.
 */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

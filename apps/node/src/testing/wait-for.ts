/**
 * Polling with a deadline: a launcher waits on conditions (a node serving, a leader, a caught-up
 * node), never for a fixed time, and a condition that never holds ends with an error, not a hang.
 */

/** sleep resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * waitFor polls `check` every `everyMs` until it returns a value other than undefined, and throws
 * after `timeoutMs`. A throwing check counts as "not yet" (a node still starting refuses
 * connections); its last error goes into the timeout message.
 */
export async function waitFor<T>(description: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    }
    await sleep(everyMs);
  }
}

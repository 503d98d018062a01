/**
 * Waiting on conditions with a deadline, never for a fixed time: a test is as fast as the
 * network allows and fails with a description when the condition never holds.
 */

/** waitUntil resolves once `condition()` is true, checking every few milliseconds. */
export async function waitUntil(condition: () => boolean, description: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${description}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}

/** nextTurn resolves after the current event-loop turn, once its setImmediate callbacks ran. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

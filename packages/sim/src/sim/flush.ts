/**
 * flush resolves once every queued promise job has run. The simulator calls it after each clock
 * step: all the runtime's asynchronous work (storage acks, proposal batches, client code) is
 * promise jobs, so when it resolves the cluster has done everything the step caused.
 *
 * It uses setImmediate (Node, Bun, Deno) because a macrotask runs only after the microtask queue
 * is empty; elsewhere it falls back to setTimeout(0), slower but the same.
 */
type Schedule = (callback: () => void) => unknown;

const host = globalThis as unknown as { setImmediate?: Schedule; setTimeout: (callback: () => void, ms: number) => unknown };
const schedule: Schedule = host.setImmediate !== undefined ? host.setImmediate.bind(globalThis) : (callback) => host.setTimeout(callback, 0);

/** flush waits until the promise job queue is empty. */
export function flush(): Promise<void> {
  return new Promise<void>((resolve) => {
    schedule(resolve);
  });
}

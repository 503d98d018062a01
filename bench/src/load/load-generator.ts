/**
 * runLoad: a closed-loop load generator. `workers` concurrent loops each run `operation` back to
 * back (the next starts when the previous settles) until the duration passes or the operation
 * count is reached, recording each success's latency and each failure's kind.
 *
 * The operation is a closure, so one generator drives `@raftkit/client`, raw HTTP, or anything
 * else. Operations that start during the warm-up (connections opening, leader redirects, the
 * client's first session command) run but are not counted.
 */
import { errorKind } from './error-kind.js';
import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';

/** What an operation knows about itself. */
export interface OperationContext {
  /** The worker running it, 0 ≤ worker < workers. */
  readonly worker: number;
  /** Its position among this worker's operations, from 0 (warm-up included). */
  readonly sequence: number;
}

/** LoadOptions shape one run; give `durationMs`, `operations`, or both (whichever comes first). */
export interface LoadOptions {
  readonly workers: number;
  /** Stop starting operations this long after the warm-up ends. */
  readonly durationMs?: number;
  /** Stop after this many counted operations in total (successes and failures). */
  readonly operations?: number;
  /** Run operations for this long before counting. Default 0. */
  readonly warmupMs?: number;
  /**
   * A worker waits this long after a failure before its next operation, so a cluster that fails
   * fast (no leader, refused connections) is not hammered in a tight loop. Default 10 ms.
   */
  readonly pauseAfterErrorMs?: number;
  readonly operation: (context: OperationContext) => Promise<unknown>;
}

/** LoadResult is what a run measured. */
export interface LoadResult {
  readonly workers: number;
  /** Counted operations that succeeded. */
  readonly operations: number;
  /** Counted operations that failed, in total and by errorKind. */
  readonly errors: number;
  readonly errorsByKind: Readonly<Record<string, number>>;
  /** From the end of the warm-up until the last counted operation settled. */
  readonly elapsedSeconds: number;
  /** Successes per second of `elapsedSeconds`. */
  readonly operationsPerSecond: number;
  /** Latency of the successes, in milliseconds. */
  readonly latencyMs: LatencySummary;
}

/** runLoad runs the load described by `options` and returns its measurements. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
  if (options.durationMs === undefined && options.operations === undefined) throw new RangeError('give durationMs, operations, or both');
  const warmupMs = options.warmupMs ?? 0;
  const pauseAfterErrorMs = options.pauseAfterErrorMs ?? 10;
  const latencies = new LatencyRecorder();
  const errorsByKind: Record<string, number> = {};
  let successes = 0;
  let errors = 0;
  // Counted operations claimed so far: a worker claims one before starting it, so the total
  // never overshoots `operations`.
  let claimed = 0;

  const begin = performance.now();
  const measureFrom = begin + warmupMs;
  const stopAt = options.durationMs === undefined ? Infinity : measureFrom + options.durationMs;
  let lastSettled = measureFrom;

  const worker = async (id: number): Promise<void> => {
    for (let sequence = 0; ; sequence++) {
      const start = performance.now();
      if (start >= stopAt) return;
      const counted = start >= measureFrom;
      if (counted) {
        if (options.operations !== undefined && claimed >= options.operations) return;
        claimed++;
      }
      let failure: unknown;
      let failed = false;
      try {
        await options.operation({ worker: id, sequence });
      } catch (error) {
        failed = true;
        failure = error;
      }
      const end = performance.now();
      if (counted) {
        lastSettled = Math.max(lastSettled, end);
        if (failed) {
          errors++;
          const kind = errorKind(failure);
          errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
        } else {
          successes++;
          latencies.record(end - start);
        }
      }
      if (failed && pauseAfterErrorMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseAfterErrorMs));
    }
  };

  await Promise.all(Array.from({ length: options.workers }, (_, id) => worker(id)));
  const elapsedSeconds = Math.max(lastSettled - measureFrom, 1e-9) / 1000;
  return {
    workers: options.workers,
    operations: successes,
    errors,
    errorsByKind,
    elapsedSeconds,
    operationsPerSecond: successes / elapsedSeconds,
    latencyMs: latencies.summary(),
  };
}

/** describeErrors formats errorsByKind for a table cell: `none`, or `TIMEOUT×3 http 503 NO_LEADER×1`. */
export function describeErrors(result: Pick<LoadResult, 'errorsByKind'>): string {
  const entries = Object.entries(result.errorsByKind);
  return entries.length === 0 ? 'none' : entries.map(([kind, count]) => `${kind}×${count}`).join(' ');
}

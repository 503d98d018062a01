/**
 * The status page's chart data: once a second, how many entries were committed (writes/s, from
 * the commit index), how many reads were served here, and the mean commit latency of this
 * leader's proposals in that second; the last five minutes kept.
 */

/** ActivitySample is one second of activity. */
export interface ActivitySample {
  /** Milliseconds since the epoch at the end of the second. */
  readonly time: number;
  readonly writesPerSecond: number;
  readonly readsPerSecond: number;
  /** Mean commit latency in ms of the proposals committed in that second; null when none. */
  readonly commitLatencyMs: number | null;
}

/** ActivityTotals are the running totals sampled. */
export interface ActivityTotals {
  readonly commitIndex: number;
  readonly reads: number;
  readonly commitLatencySeconds: number;
  readonly commits: number;
}

/** ActivityRecorder keeps the recent samples. */
export interface ActivityRecorder {
  samples(): readonly ActivitySample[];
  stop(): void;
}

/** SAMPLES_KEPT: five minutes of one-second samples. */
export const SAMPLES_KEPT = 300;

/** createActivityRecorder samples `totals` every `everyMs` (undefined totals: the node is not running, nothing recorded). */
export function createActivityRecorder(totals: () => ActivityTotals | undefined, everyMs = 1000): ActivityRecorder {
  const samples: ActivitySample[] = [];
  let previous = totals();
  let previousTime = performance.now();
  const timer = setInterval(() => {
    const current = totals();
    const now = performance.now();
    if (current !== undefined && previous !== undefined) {
      const seconds = Math.max(0.001, (now - previousTime) / 1000);
      const commits = current.commits - previous.commits;
      samples.push({
        time: Date.now(),
        writesPerSecond: Math.max(0, current.commitIndex - previous.commitIndex) / seconds,
        readsPerSecond: Math.max(0, current.reads - previous.reads) / seconds,
        commitLatencyMs: commits > 0 ? ((current.commitLatencySeconds - previous.commitLatencySeconds) / commits) * 1000 : null,
      });
      if (samples.length > SAMPLES_KEPT) samples.splice(0, samples.length - SAMPLES_KEPT);
    }
    previous = current;
    previousTime = now;
  }, everyMs);
  timer.unref();
  return { samples: () => [...samples], stop: () => clearInterval(timer) };
}

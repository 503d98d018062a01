/**
 * A StateMachine decorator that times the node's work for metrics, changing nothing:
 * - apply duration of every entry;
 * - commit latency on the leader: an entry proposed by this leader carries the leader's wall
 *   clock (`timestampMs`, for session expiry), so apply time minus it is proposal to commit
 *   (plus the wait for apply, which is short on a healthy node);
 * - snapshot creation: from `snapshot()` to its last chunk being handed to storage, and its size.
 */
import type { StateMachine } from '@raftkit/core';
import type { NodeMetrics } from './node-metrics.js';

/** meterStateMachine returns `machine` with its work reported to `metrics`; `leaderTerm` is this node's term while it leads, else undefined. */
export function meterStateMachine<Command, Query, Result>(machine: StateMachine<Command, Query, Result>, metrics: NodeMetrics, leaderTerm: () => number | undefined): StateMachine<Command, Query, Result> {
  return {
    apply(command: Command, meta: { index: number; term: number }): Result {
      const timestampMs = (command as { timestampMs?: unknown } | null)?.timestampMs;
      if (typeof timestampMs === 'number' && leaderTerm() === meta.term) metrics.committed(Math.max(0, Date.now() - timestampMs) / 1000);
      const started = performance.now();
      try {
        return machine.apply(command, meta);
      } finally {
        metrics.applied((performance.now() - started) / 1000);
      }
    },
    query: (query: Query) => machine.query(query),
    snapshot(): AsyncIterable<Uint8Array> {
      const started = performance.now();
      const chunks = machine.snapshot();
      return (async function* () {
        let bytes = 0;
        for await (const chunk of chunks) {
          bytes += chunk.byteLength;
          yield chunk;
        }
        metrics.snapshot('create', (performance.now() - started) / 1000, bytes);
      })();
    },
    restore: (chunks: AsyncIterable<Uint8Array>) => machine.restore(chunks),
  };
}

/**
 * generateKvHistory records a run of clients against a single, atomic KV store, so the history is
 * linearizable by construction: each operation takes effect at one instant between its call and
 * its return. Used to check the checker for false alarms and for speed.
 */
import { createSeededRng } from '@raftkit/core';
import { UNKNOWN, type Operation } from '../history.js';
import { applyKvCommand, type KvCommand, type KvResult, type KvValue } from '../../kv/kv-model.js';

export interface KvHistoryOptions {
  readonly seed: number;
  readonly clients: number;
  readonly keys: number;
  readonly operations: number;
  /** unknownRate is the share of operations whose client never learns the outcome. */
  readonly unknownRate?: number;
  /** maxLatency bounds call-to-effect and effect-to-return, in ticks. */
  readonly maxLatency?: number;
}

interface Running {
  readonly command: KvCommand;
  readonly callTime: number;
  readonly effectTime: number;
  readonly returnTime: number;
  /** takesEffect is false for an unknown-outcome operation that never reached the store. */
  readonly takesEffect: boolean;
  readonly unknown: boolean;
  result?: KvResult;
}

export function generateKvHistory(options: KvHistoryOptions): Operation<KvCommand, KvResult>[] {
  const random = createSeededRng(options.seed);
  const pick = (count: number) => Math.floor(random() * count);
  const maxLatency = options.maxLatency ?? 4;
  const store = new Map<string, KvValue>();
  const running: (Running | undefined)[] = new Array(options.clients).fill(undefined);
  const history: Operation<KvCommand, KvResult>[] = [];
  let issued = 0;
  let written = 0;

  for (let time = 0; issued < options.operations || running.some((entry) => entry !== undefined); time++) {
    for (let client = 0; client < options.clients; client++) {
      if (running[client] !== undefined || issued >= options.operations) continue;
      issued++;
      const key = `k${pick(options.keys)}`;
      const value = `v${written++}`;
      const kind = pick(10);
      const command: KvCommand =
        kind < 4
          ? { type: 'get', key }
          : kind < 7
            ? { type: 'put', key, value }
            : kind < 8
              ? { type: 'delete', key }
              : { type: 'cas', key, expect: random() < 0.7 ? (store.get(key) ?? null) : null, value };
      const effectTime = time + pick(maxLatency + 1);
      const unknown = random() < (options.unknownRate ?? 0);
      running[client] = {
        command,
        callTime: time,
        effectTime,
        returnTime: effectTime + pick(maxLatency + 1),
        takesEffect: !unknown || random() < 0.5,
        unknown,
      };
    }
    for (const entry of running) {
      if (entry === undefined || entry.effectTime !== time || !entry.takesEffect) continue;
      const transition = applyKvCommand(store.get(entry.command.key) ?? null, entry.command);
      store.set(entry.command.key, transition.value);
      entry.result = transition.result;
    }
    running.forEach((entry, client) => {
      if (entry === undefined || entry.returnTime !== time) return;
      running[client] = undefined;
      if (entry.unknown) {
        history.push({ clientId: `c${client}`, input: entry.command, output: UNKNOWN, callTime: entry.callTime, returnTime: Infinity });
      } else {
        history.push({ clientId: `c${client}`, input: entry.command, output: entry.result!, callTime: entry.callTime, returnTime: entry.returnTime });
      }
    });
  }
  return history;
}

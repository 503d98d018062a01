/**
 * The state machine of a node started with `--machine`: the plugin's machine inside core's session
 * wrapper (so retried commands apply once, as for KV), answering each command with the plugin's
 * result and the index it applied at, and each query with the result and the applied index.
 *
 * A result travels to clients as JSON and is kept in the session table (and so in snapshots), so
 * it must be JSON data: it is passed through the JSON codec inside apply, on every replica alike.
 * A result the codec refuses (a Map, a Uint8Array...) becomes this command's error answer.
 */
import { createJsonCodec, createSessionStateMachine, type ApplyMeta, type SessionStateMachine, type StateMachine } from '@raftkit/core';
import { NODE_SESSION_OPTIONS } from '../kv/kv-machine.js';
import { OperationError } from '../operation-error.js';
import type { AnyStateMachine } from './load-machine.js';

/** HostedResult answers a plugin command or query: the plugin's result and the log index it reflects. */
export interface HostedResult {
  readonly result: unknown;
  readonly index: number;
}

/** HostedStateMachine is the session-wrapped plugin machine. */
export type HostedStateMachine = SessionStateMachine<unknown, unknown, HostedResult>;

/** createHostedStateMachine wraps `plugin`; `appliedIndex` tells queries the index they read at. */
export function createHostedStateMachine(plugin: AnyStateMachine, appliedIndex: () => number): HostedStateMachine {
  const json = createJsonCodec<unknown>();
  const plain = (value: unknown): unknown => (value === undefined ? null : json.decode(json.encode(value)));
  const hosted: StateMachine<unknown, unknown, HostedResult> = {
    apply(command: unknown, meta: ApplyMeta): HostedResult {
      return { result: plain(plugin.apply(command, meta)), index: meta.index };
    },
    query(query: unknown): HostedResult {
      let result: unknown;
      try {
        result = plugin.query(query);
      } catch (error) {
        // A query the machine cannot answer is the client's to fix; it changed nothing.
        throw new OperationError('BAD_REQUEST', error instanceof Error ? error.message : String(error));
      }
      return { result: plain(result), index: appliedIndex() };
    },
    snapshot: () => plugin.snapshot(),
    restore: (chunks) => plugin.restore(chunks),
  };
  return createSessionStateMachine(hosted, NODE_SESSION_OPTIONS);
}

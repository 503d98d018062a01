/**
 * The node's state machine: the KV store inside core's session wrapper, so a retried write (the
 * same HTTP Idempotency-Key, or the same client SessionStamp over /v1/ws) is applied once and
 * answered with its first answer. The dedup table travels through the log and into snapshots.
 */
import { createSessionStateMachine, type SessionStateMachine } from '@raftkit/core';
import type { NodeKvCommand, NodeKvQuery } from './kv-commands.js';
import { KvStateMachine, type KvResult, type KvStateMachineOptions } from './kv-state-machine.js';
import { nextTurn } from '../next-turn.js';

/** NodeStateMachine is the session-wrapped KV store; `inner` is the store itself. */
export type NodeStateMachine = SessionStateMachine<NodeKvCommand, NodeKvQuery, KvResult> & { readonly inner: KvStateMachine };

/**
 * IDEMPOTENCY_KEYS_KEPT: docs/architecture.md asks for keys of at least the last 10,000 writes. Every
 * replica MUST use the same limits, so they are constants, not flags.
 */
export const IDEMPOTENCY_KEYS_KEPT = 10_000;

/**
 * NODE_SESSION_OPTIONS: the session wrapper's options for every machine the node hosts (the KV
 * store and a `--machine` plugin alike): the same limits on every replica, and a snapshot's
 * session table encoded in steps between event-loop turns.
 */
export const NODE_SESSION_OPTIONS = { maxIdempotencyKeys: IDEMPOTENCY_KEYS_KEPT, pauseWhileEncoding: nextTurn } as const;

/** createNodeStateMachine returns an empty, session-wrapped KV store. */
export function createNodeStateMachine(options: KvStateMachineOptions = {}): NodeStateMachine {
  const inner = new KvStateMachine(options);
  return Object.assign(createSessionStateMachine(inner, NODE_SESSION_OPTIONS), { inner });
}

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

/** createNodeStateMachine returns an empty, session-wrapped KV store. */
export function createNodeStateMachine(options: KvStateMachineOptions = {}): NodeStateMachine {
  const inner = new KvStateMachine(options);
  return Object.assign(createSessionStateMachine(inner, { maxIdempotencyKeys: IDEMPOTENCY_KEYS_KEPT, pauseWhileEncoding: nextTurn }), { inner });
}

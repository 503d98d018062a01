/**
 * Taking a backup on a running node (`GET /v1/snapshot`): a linearizable read barrier first (so
 * the backup holds every write acknowledged before the request), then, in one synchronous step,
 * the applied index and the state machine's snapshot of it (StateMachine.snapshot captures its
 * state when called). The stream is the backup file (backup-format.ts).
 */
import type { MembershipConfig } from '@raftkit/core';
import { BackupWriter, type BackupHeader } from './backup-format.js';

/** BackupNode is what a backup needs from the running node. */
export interface BackupNode {
  readonly id: string;
  readonly clusterId: string;
  /** barrier resolves once this node has applied every write acknowledged before the call. */
  barrier(): Promise<void>;
  /**
   * capture returns, at one instant, the applied index, its term, the configuration and the
   * state machine's snapshot of exactly that state.
   */
  capture(): Promise<{ index: number; term: number; config: MembershipConfig; chunks: AsyncIterable<Uint8Array> }>;
}

/** BackupStream is a backup ready to be streamed. */
export interface BackupStream {
  readonly header: BackupHeader;
  readonly bytes: AsyncIterable<Uint8Array>;
}

/** takeBackup waits for the barrier, captures the state and returns the file's bytes as a stream. */
export async function takeBackup(node: BackupNode, now: () => Date = () => new Date()): Promise<BackupStream> {
  await node.barrier();
  const captured = await node.capture();
  const header: BackupHeader = { index: captured.index, term: captured.term, config: captured.config, clusterId: node.clusterId, nodeId: node.id, createdAt: now().toISOString() };
  const writer = new BackupWriter();
  async function* bytes(): AsyncIterable<Uint8Array> {
    yield writer.header(header);
    for await (const chunk of captured.chunks) yield writer.body(chunk);
    yield writer.trailer();
  }
  return { header, bytes: bytes() };
}

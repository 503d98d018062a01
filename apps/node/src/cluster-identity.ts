/**
 * The node's identity file in its data directory (`raftkit-node.json`): which node this directory
 * belongs to, the id of its cluster, and the membership it bootstraps with. It is written (and
 * fsynced) BEFORE the storage gets its first entry, so a directory with Raft state always has it:
 * a restart takes the cluster id from here and ignores `--cluster` (docs/architecture.md), and a crash
 * between the two writes bootstraps again with the same membership on the next start.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { MembershipConfig } from '@raftkit/core';
import { NodeConfigError } from './cli/errors.js';

/** IDENTITY_FILE is the identity file's name inside the data directory. */
export const IDENTITY_FILE = 'raftkit-node.json';

/** ClusterIdentity is what the identity file holds. */
export interface ClusterIdentity {
  readonly nodeId: string;
  readonly clusterId: string;
  /** The membership a `--cluster` node bootstraps with; absent for a node that joined. */
  readonly bootstrap?: MembershipConfig;
  /**
   * Peer addresses of the cluster's members when this node was admitted (waiting room) or
   * joined: its peer table until it has a configuration of its own.
   */
  readonly peers?: Readonly<Record<string, string>>;
}

/** readIdentity reads the identity file; undefined when the directory has none. */
export function readIdentity(directory: string): ClusterIdentity | undefined {
  const path = join(directory, IDENTITY_FILE);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NodeConfigError('CONFIG_FILE', `${path} is damaged: ${(error as Error).message}`);
  }
  const record = parsed as Partial<ClusterIdentity>;
  if (typeof record.nodeId !== 'string' || typeof record.clusterId !== 'string') throw new NodeConfigError('CONFIG_FILE', `${path} has no nodeId and clusterId`);
  return record as ClusterIdentity;
}

/** writeIdentity writes the identity file atomically and durably (temp file, fsync, rename, fsync dir). */
export function writeIdentity(directory: string, identity: ClusterIdentity): void {
  const path = join(directory, IDENTITY_FILE);
  const temporary = `${path}.tmp`;
  const file = openSync(temporary, 'w', 0o600);
  try {
    writeSync(file, `${JSON.stringify(identity, null, 2)}\n`);
    fsyncSync(file);
  } finally {
    closeSync(file);
  }
  renameSync(temporary, path);
  const dir = openSync(directory, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

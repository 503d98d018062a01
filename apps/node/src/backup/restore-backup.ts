/**
 * Seeding a new node from a backup (`raftkit snapshot restore`): the backup is verified whole
 * first, then the empty data directory gets the identity file of the new cluster and a storage
 * holding the backup as its snapshot, with the new cluster's membership. Every node of the new
 * cluster is restored from the same file; started with the same `--cluster`, they begin at the
 * backup's index and elect a leader as a restarted cluster would.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import type { MembershipConfig } from '@raftkit/core';
import { createSqliteStorage } from '@raftkit/storage-sqlite';
import { clusterIdOf, type ClusterMember } from '../cli/cluster.js';
import { NodeConfigError } from '../cli/errors.js';
import { writeIdentity } from '../cluster-identity.js';
import { readBody, verifyBackup, type BackupHeader } from './backup-format.js';

/** RestoreOptions says where and as what to restore. */
export interface RestoreOptions {
  readonly file: string;
  readonly dataDir: string;
  readonly id: string;
  readonly cluster: readonly ClusterMember[];
}

/** restoreBackup verifies `file` and seeds `dataDir`. Throws BackupError (nothing written) or NodeConfigError. */
export async function restoreBackup(options: RestoreOptions): Promise<{ header: BackupHeader; clusterId: string; index: number; term: number }> {
  if (!options.cluster.some((member) => member.id === options.id)) throw new NodeConfigError('MISSING_SELF', `--cluster does not name this node (${options.id})`);
  if (existsSync(options.dataDir) && readdirSync(options.dataDir).length > 0) throw new NodeConfigError('CONFLICTING_FLAGS', `${options.dataDir} is not empty: restore seeds a new node only`);
  const backup = verifyBackup(options.file);
  const config: MembershipConfig = {
    voters: options.cluster.map((member) => member.id),
    outgoingVoters: [],
    learners: [],
    addresses: Object.fromEntries(options.cluster.map((member) => [member.id, member.peerAddress])),
  };
  const { index, term } = backup.header;
  const clusterId = clusterIdOf(options.cluster);
  mkdirSync(options.dataDir, { recursive: true });
  // The identity first, as `start --cluster` does: a directory with state always has one.
  writeIdentity(options.dataDir, { nodeId: options.id, clusterId, bootstrap: config });
  const storage = createSqliteStorage({ directory: options.dataDir });
  try {
    await storage.load();
    await storage.saveSnapshot({ index, term, config }, readBody(backup));
    await storage.append([], { hardState: { term, vote: null, commit: index } });
  } finally {
    await storage.close();
  }
  return { header: backup.header, clusterId, index, term };
}

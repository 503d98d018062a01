/**
 * Forced recovery from a lost majority (hashicorp/raft's RecoverCluster, RaftedValue's
 * force_remove_member, etcd's --force-new-cluster).
 *
 * UNSAFE BY DESIGN. When a majority of voters is gone for good, the survivors can never commit
 * again. `forceNewConfiguration` rewrites ONE stopped node's storage so that, when it starts, the
 * configuration is `config` (normally just the survivors): it treats every entry it holds as
 * committed and appends a configuration entry after them. Writes acknowledged by the lost
 * majority but missing here are lost, and entries never committed may now be. Run it on one
 * survivor only, start that node alone, and add the others back with membership changes (after
 * wiping their data): two nodes recovered independently would form two clusters.
 */
import { ConfigError } from '../raft/errors.js';
import { encodeConfig, validateMembership } from '../raft/membership.js';
import type { Entry, MembershipConfig, NodeId } from '../raft/types.js';
import type { Storage } from '../storage/storage.js';

/** RecoveredState says what forceNewConfiguration wrote. */
export interface RecoveredState {
  /** Index of the configuration entry appended (everything up to it counts as committed). */
  readonly index: number;
  readonly term: number;
  readonly config: MembershipConfig;
}

/**
 * forceNewConfiguration rewrites a STOPPED node's storage to start with `config`. `self` must be
 * one of its voters (MISSING_SELF). Read the module comment before using it.
 */
export async function forceNewConfiguration(storage: Storage, self: NodeId, config: MembershipConfig): Promise<RecoveredState> {
  const target: MembershipConfig = { ...config, outgoingVoters: [] };
  validateMembership(target, self);
  const loaded = await storage.load();
  const last = loaded.entries.at(-1);
  const lastIndex = last?.index ?? loaded.snapshot?.index ?? 0;
  const lastTerm = last?.term ?? loaded.snapshot?.term ?? 0;
  if (lastIndex === 0 && loaded.hardState.term === 0) {
    throw new ConfigError('NO_VOTERS', `node ${JSON.stringify(self)} holds no state to recover; bootstrap a new cluster instead`);
  }
  // The entry's term must not be below the log's last term, or the log would go back in time.
  const term = Math.max(loaded.hardState.term, lastTerm);
  const entry: Entry = { index: lastIndex + 1, term, type: 'config', data: encodeConfig(target) };
  await storage.append([entry], { hardState: { term, vote: null, commit: entry.index } });
  return { index: entry.index, term, config: target };
}

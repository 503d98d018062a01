/**
 * `--cluster n1=host:port,n2=host:port,...`: the voters a new cluster bootstraps with, and where
 * their peer transports listen. The cluster id every peer handshake checks is derived from it.
 */
import { createHash } from 'node:crypto';
import { NodeConfigError } from './errors.js';
import { nodeIdProblem } from './node-id.js';
import { parsePeerAddress } from './peer-address.js';

/** ClusterMember is one `id=host:port` (or `id=wss://host:port`) of `--cluster`. */
export interface ClusterMember {
  readonly id: string;
  /** The peer address, normalized: `host:port`, or a `ws://` / `wss://` URL (see peer-address.ts). */
  readonly peerAddress: string;
}

/** parseCluster reads `--cluster`. Throws INVALID_CLUSTER (or INVALID_ADDRESS). */
export function parseCluster(text: string): ClusterMember[] {
  const members: ClusterMember[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const equals = item.indexOf('=');
    if (equals <= 0) throw new NodeConfigError('INVALID_CLUSTER', `--cluster: expected id=host:port, got ${JSON.stringify(item)}`);
    const id = item.slice(0, equals).trim();
    const idProblem = nodeIdProblem(id);
    if (idProblem !== undefined) throw new NodeConfigError('INVALID_CLUSTER', `--cluster: ${idProblem}`);
    if (seen.has(id)) throw new NodeConfigError('INVALID_CLUSTER', `--cluster: ${JSON.stringify(id)} is listed twice`);
    seen.add(id);
    members.push({ id, peerAddress: parsePeerAddress(item.slice(equals + 1), `--cluster member ${id}`) });
  }
  if (members.length === 0) throw new NodeConfigError('INVALID_CLUSTER', '--cluster names no member');
  return members;
}

/**
 * clusterIdOf derives the cluster id from the members, sorted by id so the order they were
 * listed in does not matter: every node started with the same `--cluster` gets the same id, and
 * a node started with another cluster's list is refused by its peers.
 */
export function clusterIdOf(members: readonly ClusterMember[]): string {
  const canonical = [...members]
    .sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0))
    .map((member) => `${member.id}=${member.peerAddress}`)
    .join(',');
  return `raftkit-${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

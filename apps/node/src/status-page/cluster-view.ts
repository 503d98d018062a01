/**
 * `GET /v1/cluster`: the whole cluster as one node sees it, for the status page. The node's own
 * view (`?scope=node`: its status, its peers' round trips when it leads, its activity samples)
 * plus, for the whole-cluster answer, the node view of every member it knows the HTTP address
 * of, asked in parallel with a short timeout (a member that does not answer is shown so).
 */
import type { NodeStatusView } from '../status.js';
import type { ActivitySample } from './activity-recorder.js';

/** NodeView is one node's own view of itself. */
export interface NodeView {
  readonly status: NodeStatusView;
  /** On the leader: each peer's latest heartbeat round trip, in ms. */
  readonly roundTripMs: Readonly<Record<string, number>>;
  readonly activity: readonly ActivitySample[];
}

/** MemberView is one member in the cluster view. */
export interface MemberView {
  readonly id: string;
  /** voter or learner, from the configuration. */
  readonly kind: 'voter' | 'learner';
  readonly peerAddress: string | null;
  readonly httpAddress: string | null;
  /** The member's own status, or null when it did not answer. */
  readonly status: NodeStatusView | null;
  /** Why `status` is null. */
  readonly problem: string | null;
  /** From the leader: how far the member's log is behind the leader's, in entries. */
  readonly matchLag: number | null;
  /** From the leader: the member's latest heartbeat round trip, in ms. */
  readonly roundTripMs: number | null;
  /** From the leader: a snapshot is being streamed to it. */
  readonly receivingSnapshot: boolean;
}

/** ClusterView is the status page's document. */
export interface ClusterView {
  /** The node that answered. */
  readonly from: string;
  readonly clusterId: string;
  readonly leader: string | null;
  readonly term: number;
  readonly members: readonly MemberView[];
  /** The leader's activity when it answered, else this node's. */
  readonly activity: readonly ActivitySample[];
  readonly activityFrom: string;
}

/** ClusterViewSources is what the aggregation needs. */
export interface ClusterViewSources {
  readonly self: NodeView;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly peerAddresses: Readonly<Record<string, string>>;
  readonly httpAddresses: Readonly<Record<string, string>>;
  /** fetchNodeView asks a member for its node view; rejects when it does not answer. */
  fetchNodeView(httpAddress: string): Promise<NodeView>;
}

/** buildClusterView asks every other member for its view and puts the cluster together. */
export async function buildClusterView(sources: ClusterViewSources): Promise<ClusterView> {
  const { self } = sources;
  const ids = [...new Set([...sources.voters, ...sources.learners, self.status.id])].sort();
  const views = new Map<string, NodeView | string>();
  views.set(self.status.id, self);
  await Promise.all(
    ids
      .filter((id) => id !== self.status.id)
      .map(async (id) => {
        const address = sources.httpAddresses[id];
        if (address === undefined) {
          views.set(id, 'HTTP address not known yet');
          return;
        }
        try {
          views.set(id, await sources.fetchNodeView(address));
        } catch (error) {
          views.set(id, `not answering: ${(error as Error).message}`);
        }
      }),
  );
  const leaderId = self.status.leader;
  const leaderView = leaderId === null ? undefined : views.get(leaderId);
  const leader = typeof leaderView === 'object' && leaderView.status.role === 'leader' ? leaderView : undefined;
  const lastIndex = leader?.status.lastLogIndex ?? 0;
  const members = ids.map((id): MemberView => {
    const view = views.get(id);
    const progress = leader?.status.peers.find((peer) => peer.id === id);
    return {
      id,
      kind: sources.learners.includes(id) ? 'learner' : 'voter',
      peerAddress: sources.peerAddresses[id] ?? null,
      httpAddress: sources.httpAddresses[id] ?? null,
      status: typeof view === 'object' ? view.status : null,
      problem: typeof view === 'string' ? view : null,
      matchLag: id === leaderId && leader !== undefined ? 0 : progress === undefined ? null : Math.max(0, lastIndex - progress.match),
      roundTripMs: leader?.roundTripMs[id] ?? null,
      receivingSnapshot: leader?.status.sendingSnapshotTo.includes(id) ?? false,
    };
  });
  return {
    from: self.status.id,
    clusterId: self.status.clusterId,
    leader: leaderId,
    term: self.status.term,
    members,
    activity: (leader ?? self).activity,
    activityFrom: (leader ?? self).status.id,
  };
}

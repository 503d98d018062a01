/**
 * Wires the status page's data to a running node: the activity recorder, the node's own view,
 * and the cluster view assembled from every member's node view (`GET /v1/cluster?scope=node`).
 */
import type { RaftNodeStatus } from '@raftkit/core';
import type { MembersView } from '../http/context.js';
import { baseUrl } from '../http-client.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { NodeStatusView } from '../status.js';
import { createActivityRecorder } from './activity-recorder.js';
import { buildClusterView, type ClusterView, type NodeView } from './cluster-view.js';

/** How long the page waits for another member's view. */
const MEMBER_TIMEOUT_MS = 1500;

/** StatusPageSource answers `GET /v1/cluster`. */
export interface StatusPageSource {
  nodeView(): NodeView;
  clusterView(): Promise<ClusterView>;
  stop(): void;
}

/** createStatusPageSource starts recording activity for the node these functions describe. */
export function createStatusPageSource(node: {
  status(): NodeStatusView;
  rawStatus(): RaftNodeStatus | undefined;
  members(): MembersView;
  /** Asks members for their HTTP addresses (resolves, never rejects, when answered or not). */
  learnHttpAddresses(ids: readonly string[]): Promise<unknown>;
  metrics: NodeMetrics;
  /** `https` when this node serves TLS: its members do too. */
  scheme: 'http' | 'https';
}): StatusPageSource {
  const recorder = createActivityRecorder(() => {
    const raw = node.rawStatus();
    if (raw === undefined) return undefined;
    const activity = node.metrics.activity();
    return { commitIndex: raw.commit, reads: activity.reads, commitLatencySeconds: activity.commitLatencySeconds, commits: activity.commits };
  });
  const roundTripMs = (): Record<string, number> => Object.fromEntries(Object.entries(node.metrics.lastRoundTrips()).map(([peer, seconds]) => [peer, Math.round(seconds * 10_000) / 10]));
  const nodeView = (): NodeView => {
    const status = node.status();
    return { status, roundTripMs: status.role === 'leader' ? roundTripMs() : {}, activity: recorder.samples() };
  };
  return {
    nodeView,
    clusterView: async () => {
      const known = node.members();
      const unknown = [...known.voters, ...known.outgoing, ...known.learners].filter((id) => known.httpAddresses[id] === undefined);
      const members = unknown.length === 0 ? known : (await node.learnHttpAddresses(unknown), node.members());
      return buildClusterView({
        self: nodeView(),
        voters: [...members.voters, ...members.outgoing],
        learners: members.learners,
        peerAddresses: members.peerAddresses,
        httpAddresses: members.httpAddresses,
        fetchNodeView: async (address) => {
          const response = await fetch(`${baseUrl(`${node.scheme}://${address}`)}/v1/cluster?scope=node`, { signal: AbortSignal.timeout(MEMBER_TIMEOUT_MS) });
          if (response.status !== 200) throw new Error(`answered ${response.status}`);
          return (await response.json()) as NodeView;
        },
      });
    },
    stop: () => recorder.stop(),
  };
}

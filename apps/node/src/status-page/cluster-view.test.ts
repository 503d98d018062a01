import { describe, expect, it } from 'vitest';
import type { NodeStatusView } from '../status.js';
import { buildClusterView, type NodeView } from './cluster-view.js';

function view(id: string, role: string, extra: Partial<NodeStatusView> = {}): NodeView {
  const status: NodeStatusView = {
    id,
    role,
    term: 4,
    leader: 'n1',
    commitIndex: 100,
    appliedIndex: 100,
    lastLogIndex: 100,
    snapshotIndex: 0,
    members: { voters: ['n1', 'n2', 'n3'], learners: ['n4'], outgoing: [] },
    unresponsive: [],
    clusterId: 'c1',
    leaseRemainingMs: 0,
    peers: [],
    sendingSnapshotTo: [],
    ...extra,
  } as NodeStatusView;
  return { status, roundTripMs: {}, activity: [{ time: 1, writesPerSecond: id === 'n1' ? 50 : 0, readsPerSecond: 0, commitLatencyMs: null }] };
}

describe('buildClusterView', () => {
  it('puts every member together with the leader\'s lag, round trips and snapshot transfers, and names who did not answer', async () => {
    const leader: NodeView = {
      ...view('n1', 'leader', {
        peers: [
          { id: 'n2', match: 100, next: 101, state: 'replicate', ticksSinceHeard: 0 },
          { id: 'n3', match: 60, next: 61, state: 'replicate', ticksSinceHeard: 0 },
          { id: 'n4', match: 0, next: 1, state: 'snapshot', ticksSinceHeard: 0 },
        ],
        sendingSnapshotTo: ['n4'],
      }),
      roundTripMs: { n2: 1.5, n3: 7 },
    };
    const cluster = await buildClusterView({
      self: view('n2', 'follower'),
      voters: ['n1', 'n2', 'n3'],
      learners: ['n4'],
      peerAddresses: { n1: 'p1', n2: 'p2', n3: 'p3', n4: 'p4' },
      httpAddresses: { n1: 'h1', n2: 'h2', n3: 'h3' },
      fetchNodeView: async (address) => {
        if (address === 'h1') return leader;
        throw new Error('connection refused');
      },
    });
    expect(cluster).toMatchObject({ from: 'n2', leader: 'n1', term: 4, activityFrom: 'n1' });
    expect(cluster.activity[0]!.writesPerSecond).toBe(50);
    const byId = Object.fromEntries(cluster.members.map((member) => [member.id, member]));
    expect(byId['n1']).toMatchObject({ kind: 'voter', matchLag: 0, problem: null });
    expect(byId['n2']).toMatchObject({ matchLag: 0, roundTripMs: 1.5, status: { role: 'follower' } });
    expect(byId['n3']).toMatchObject({ matchLag: 40, roundTripMs: 7, status: null, problem: 'not answering: connection refused' });
    expect(byId['n4']).toMatchObject({ kind: 'learner', receivingSnapshot: true, httpAddress: null, problem: 'HTTP address not known yet' });
  });

  it('without a reachable leader shows this node\'s own activity and no lag', async () => {
    const cluster = await buildClusterView({
      self: view('n2', 'follower'),
      voters: ['n1', 'n2'],
      learners: [],
      peerAddresses: {},
      httpAddresses: { n1: 'h1' },
      fetchNodeView: () => Promise.reject(new Error('timeout')),
    });
    expect(cluster.activityFrom).toBe('n2');
    expect(cluster.members.map((member) => member.matchLag)).toEqual([null, null]);
  });
});

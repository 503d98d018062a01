import { describe, expect, it } from 'vitest';
import type { RaftNodeStatus } from '@raftkit/core';
import { statusView } from './status.js';

const leaderStatus: RaftNodeStatus = {
  id: 'n1',
  role: 'leader',
  term: 3,
  vote: 'n1',
  leader: 'n1',
  commit: 40,
  applied: 40,
  appliedIndex: 40,
  lastIndex: 41,
  persistedIndex: 41,
  snapshotIndex: 30,
  firstIndex: 21,
  transferee: null,
  config: { voters: ['n1', 'n2', 'n3'], outgoingVoters: [], learners: ['n4'] },
  configIndex: 1,
  progress: [
    { id: 'n2', match: 41, next: 42, state: 'replicate', learner: false, ticksSinceHeard: 0, inflightMessages: 0 },
    { id: 'n3', match: 12, next: 13, state: 'probe', learner: false, ticksSinceHeard: 25, inflightMessages: 0 },
    { id: 'n4', match: 0, next: 1, state: 'snapshot', learner: true, ticksSinceHeard: 1, inflightMessages: 0 },
  ],
  leaseRemainingMs: 0,
  sendingSnapshotTo: ['n4'],
};

describe('statusView', () => {
  it('shows members, unresponsive peers and snapshot installs in progress on the leader', () => {
    const view = statusView(leaderStatus, 'c1', 10);
    expect(view).toMatchObject({ role: 'leader', leader: 'n1', commitIndex: 40, snapshotIndex: 30 });
    expect(view.members).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n4'], outgoing: [] });
    expect(view.unresponsive).toEqual(['n3']);
    expect(view.sendingSnapshotTo).toEqual(['n4']);
    expect(view.peers.find((peer) => peer.id === 'n4')).toEqual({ id: 'n4', match: 0, next: 1, state: 'snapshot', ticksSinceHeard: 1 });
  });

  it('reports a learner as role learner and a node outside the configuration as non-member', () => {
    expect(statusView({ ...leaderStatus, id: 'n4', role: 'follower', progress: [] }, 'c1', 10).role).toBe('learner');
    expect(statusView({ ...leaderStatus, id: 'n9', role: 'follower', progress: [] }, 'c1', 10).role).toBe('non-member');
  });

  it('during a joint change shows C_new as voters and C_old as outgoing', () => {
    const joint = { ...leaderStatus, config: { voters: ['n1', 'n2', 'n4'], outgoingVoters: ['n1', 'n2', 'n3'], learners: [] } };
    expect(statusView(joint, 'c1', 10).members).toEqual({ voters: ['n1', 'n2', 'n4'], learners: [], outgoing: ['n1', 'n2', 'n3'] });
  });
});

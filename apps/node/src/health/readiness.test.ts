import { describe, expect, it } from 'vitest';
import type { RaftNodeStatus } from '@raftkit/core';
import { readinessOf } from './readiness.js';

const follower: RaftNodeStatus = {
  id: 'n2',
  role: 'follower',
  term: 3,
  vote: 'n1',
  leader: 'n1',
  commit: 40,
  applied: 40,
  appliedIndex: 40,
  lastIndex: 41,
  persistedIndex: 41,
  snapshotIndex: 0,
  firstIndex: 1,
  transferee: null,
  config: { voters: ['n1', 'n2', 'n3'], outgoingVoters: [], learners: [] },
  configIndex: 1,
  progress: [],
  leaseRemainingMs: 0,
  sendingSnapshotTo: [],
};

describe('readinessOf', () => {
  it('is ready as a member with a leader, caught up', () => {
    expect(readinessOf(follower, undefined)).toEqual({ ready: true, leader: 'n1', commitIndex: 40, appliedIndex: 40 });
  });

  it('names each reason to refuse traffic', () => {
    expect(readinessOf(undefined, undefined)).toMatchObject({ ready: false, reason: 'SHUTTING_DOWN' });
    expect(readinessOf(follower, 'ENOSPC: no space left on device')).toMatchObject({ ready: false, reason: 'STORAGE_FAILED', message: 'ENOSPC: no space left on device' });
    expect(readinessOf({ ...follower, config: { voters: ['n1'], outgoingVoters: [], learners: [] } }, undefined)).toMatchObject({ ready: false, reason: 'NOT_MEMBER' });
    expect(readinessOf({ ...follower, leader: null }, undefined)).toMatchObject({ ready: false, reason: 'NO_LEADER' });
    expect(readinessOf({ ...follower, commit: 2000, appliedIndex: 40 }, undefined, 1000)).toMatchObject({ ready: false, reason: 'LAGGING' });
  });

  it('counts a learner as a member', () => {
    expect(readinessOf({ ...follower, config: { voters: ['n1', 'n3'], outgoingVoters: [], learners: ['n2'] } }, undefined).ready).toBe(true);
  });
});

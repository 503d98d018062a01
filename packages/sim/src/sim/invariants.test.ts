import { encodeConfig, type Entry, type Message, type RaftStatus, type Role } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { InvariantChecker, type Inspector } from './invariants.js';
import { SimDisk } from './sim-disk.js';

const entry = (index: number, term: number, text = `${index}@${term}`): Entry => ({ index, term, type: 'normal', data: new TextEncoder().encode(text) });

/** A fake core: a log of entries (index i at position i - 1) and a status built from it. */
function core(entries: Entry[], status: Partial<RaftStatus> = {}): Inspector & { entries: Entry[]; status(): RaftStatus } {
  const view = {
    entries,
    status: (): RaftStatus => ({
      id: 'x',
      role: 'follower' as Role,
      term: 1,
      vote: null,
      leader: null,
      commit: 0,
      applied: 0,
      lastIndex: view.entries.length,
      persistedIndex: view.entries.length,
      snapshotIndex: 0,
      firstIndex: 1,
      transferee: null,
      config: { voters: [], outgoingVoters: [], learners: [] },
      configIndex: 0,
      progress: [],
      ...status,
    }),
    entry: (index: number) => view.entries[index - 1],
  };
  return view;
}

function diskWith(entries: Entry[], hardState = { term: entries.at(-1)?.term ?? 0, vote: null as string | null, commit: 0 }): SimDisk {
  const disk = new SimDisk();
  disk.append(entries, { hardState });
  return disk;
}

describe('InvariantChecker', () => {
  it('Election Safety: a second leader in the same term is a violation, the same leader again is not', () => {
    const checker = new InvariantChecker();
    checker.leaderElected('a', 3, core([entry(1, 1)]));
    checker.leaderElected('a', 3, core([entry(1, 1)]));
    expect(checker.violation).toBeUndefined();
    checker.leaderElected('b', 3, core([entry(1, 1)]));
    expect(checker.violation).toEqual({ invariant: 'Election Safety', detail: 'b and a were both elected leader in term 3' });
  });

  it('Log Matching: equal (index, term) with different data, or after a different term, is a violation', () => {
    const data = new InvariantChecker();
    data.entryWritten('a', entry(2, 2, 'x'), 1);
    data.entryWritten('b', entry(2, 2, 'x'), 1);
    expect(data.violation).toBeUndefined();
    data.entryWritten('c', entry(2, 2, 'y'), 1);
    expect(data.violation?.invariant).toBe('Log Matching');
    expect(data.violation?.detail).toMatch(/^c and a hold different entries at 2@2/);

    const previous = new InvariantChecker();
    previous.entryWritten('a', entry(3, 3), 2);
    previous.entryWritten('b', entry(3, 3), 1);
    expect(previous.violation).toEqual({ invariant: 'Log Matching', detail: 'b holds 3@3 after an entry of term 1, a after one of term 2' });
  });

  it('State Machine Safety: two nodes committing different terms at one index is a violation', () => {
    const checker = new InvariantChecker();
    checker.observe('a', core([entry(1, 1), entry(2, 2)], { commit: 2, term: 2 }));
    checker.applied('b', 2, 2);
    expect(checker.violation).toBeUndefined();
    checker.observe('c', core([entry(1, 1), entry(2, 3)], { commit: 2, term: 3 }));
    expect(checker.violation).toEqual({ invariant: 'State Machine Safety', detail: 'c committed 2@3, but a committed 2@2' });
  });

  it('Leader Completeness: a new leader without an entry committed earlier is a violation', () => {
    const checker = new InvariantChecker();
    checker.observe('a', core([entry(1, 1), entry(2, 2), entry(3, 2)], { commit: 3, term: 2 }));
    checker.leaderElected('b', 3, core([entry(1, 1), entry(2, 2), entry(3, 2), entry(4, 3)]));
    expect(checker.violation).toBeUndefined();
    checker.leaderElected('c', 4, core([entry(1, 1), entry(2, 2)]));
    expect(checker.violation).toEqual({
      invariant: 'Leader Completeness',
      detail: 'c became leader of term 4 without the committed entry 3@2 (committed on a); its log ends at 2',
    });
  });

  it('Leader Completeness: a leader of a stale term (votes granted before a pause) need not hold what later terms committed', () => {
    const checker = new InvariantChecker();
    // Seen committed by a node in term 3: committed in term 3 at the latest.
    checker.observe('a', core([entry(1, 1), entry(2, 3)], { commit: 2, term: 3 }));
    checker.leaderElected('b', 2, core([entry(1, 1), entry(2, 2)]));
    checker.leaderElected('c', 3, core([entry(1, 1)]));
    expect(checker.violation).toBeUndefined();
    checker.leaderElected('b', 4, core([entry(1, 1), entry(2, 2)]));
    expect(checker.violation).toEqual({
      invariant: 'Leader Completeness',
      detail: 'b became leader of term 4 without the committed entry 2@3 (committed on a); it holds 2@2',
    });
  });

  it('Leader Append-Only: a leader whose old last entry is replaced within its term is a violation', () => {
    const checker = new InvariantChecker();
    const leader = core([entry(1, 1), entry(2, 2)], { role: 'leader', term: 2 });
    checker.observe('a', leader);
    leader.entries.push(entry(3, 2));
    checker.observe('a', leader);
    expect(checker.violation).toBeUndefined();
    leader.entries[2] = entry(3, 2, 'rewritten');
    checker.observe('a', leader);
    expect(checker.violation).toEqual({ invariant: 'Leader Append-Only', detail: 'a, leader of term 2, changed its log at or below index 3 (now last 3)' });
  });

  it('Monotonic State: a term, commit or applied index going back within one incarnation is a violation, not across a restart', () => {
    const checker = new InvariantChecker();
    checker.observe('a', core([entry(1, 1)], { term: 3, commit: 1, applied: 1 }));
    checker.nodeStarting('a');
    checker.observe('a', core([entry(1, 1)], { term: 3, commit: 0, applied: 0 }));
    expect(checker.violation).toBeUndefined();
    checker.observe('a', core([entry(1, 1)], { term: 2, commit: 0, applied: 0 }));
    expect(checker.violation).toEqual({ invariant: 'Monotonic State', detail: "a's term went from 3 back to 2" });
  });

  it('Durable Ack: a successful append response naming an index past the durable log is a violation', () => {
    const checker = new InvariantChecker();
    const disk = diskWith([entry(1, 1), entry(2, 2)], { term: 2, vote: null, commit: 1 });
    const ack = (matchIndex: number): Message => ({ type: 'appendEntriesResponse', from: 'a', to: 'b', term: 2, success: true, matchIndex, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 });
    checker.messageSent('a', ack(2), disk);
    expect(checker.violation).toBeUndefined();
    checker.messageSent('a', ack(3), disk);
    expect(checker.violation).toEqual({ invariant: 'Durable Ack', detail: 'a acknowledged index 3 in term 2 to b, but only 2 is on its disk' });
  });

  it('Durable Vote: a granted vote not yet on disk is a violation; a granted pre-vote is not', () => {
    const checker = new InvariantChecker();
    const disk = diskWith([entry(1, 1)], { term: 2, vote: null, commit: 1 });
    const grant = (term: number, preVote: boolean): Message => ({ type: 'requestVoteResponse', from: 'a', to: 'b', term, preVote, granted: true });
    checker.messageSent('a', grant(3, true), disk);
    expect(checker.violation).toBeUndefined();
    checker.messageSent('a', grant(2, false), disk);
    expect(checker.violation).toEqual({ invariant: 'Durable Vote', detail: 'a granted its term-2 vote to b before it was durable (disk: term 2, vote null)' });
  });

  it('Durable Term: a message in a term the disk has not reached is a violation; a pre-vote request is not', () => {
    const checker = new InvariantChecker();
    const disk = diskWith([entry(1, 1)], { term: 2, vote: null, commit: 1 });
    checker.messageSent('a', { type: 'requestVote', from: 'a', to: 'b', term: 3, preVote: true, lastLogIndex: 1, lastLogTerm: 1 }, disk);
    expect(checker.violation).toBeUndefined();
    checker.messageSent('a', { type: 'heartbeat', from: 'a', to: 'b', term: 3, commit: 1, round: 0 }, disk);
    expect(checker.violation).toEqual({ invariant: 'Durable Term', detail: 'a sent heartbeat in term 3 to b while its disk holds term 2' });
  });

  it('Commit Durability: a voter lacking the committed entry whose durable log beats a majority is a violation', () => {
    const checker = new InvariantChecker();
    checker.observe('a', core([entry(1, 1), entry(2, 2), entry(3, 2)], { commit: 3, term: 4 }));
    const disks = new Map([
      ['a', diskWith([entry(1, 1), entry(2, 2), entry(3, 2)])],
      ['b', diskWith([entry(1, 1), entry(2, 2), entry(3, 2)])],
      ['c', diskWith([entry(1, 1), entry(2, 2)])],
    ]);
    checker.committedIsSafe(['a', 'b', 'c'], disks);
    expect(checker.violation).toBeUndefined();
    // Figure 8: c holds 3@3 instead, a later last term than the 3@2 of a and b: any of them would vote for c.
    disks.set('c', diskWith([entry(1, 1), entry(2, 2), entry(3, 3)]));
    checker.committedIsSafe(['a', 'b', 'c'], disks);
    expect(checker.violation).toEqual({
      invariant: 'Commit Durability',
      detail: 'c lacks the committed entry 3@2 (committed on a) yet could be elected: its durable log (last 3@3) is at least as up-to-date as those of a, b, c',
    });
  });

  it('Commit Durability with membership: a node campaigns in the configuration of its own durable log, needing a quorum of it', () => {
    const config = (voters: string[], outgoingVoters: string[] = []): Entry => ({
      index: 2,
      term: 1,
      type: 'config',
      data: encodeConfig({ voters, outgoingVoters, learners: [] }),
    });
    // Entry 3@2 is committed on a, b and c; d and e hold only the configuration at 2.
    const committed = () => {
      const checker = new InvariantChecker();
      checker.observe('a', core([entry(1, 1), config(['a', 'b', 'c']), entry(3, 2)], { commit: 3, term: 2 }));
      return checker;
    };
    const full = [entry(1, 1), config(['a', 'b', 'c']), entry(3, 2)];
    const disks = new Map([
      ['a', diskWith(full)],
      ['b', diskWith(full)],
      ['c', diskWith(full)],
      ['d', diskWith([entry(1, 1), config(['a', 'b', 'c'])])],
      ['e', diskWith([entry(1, 1), config(['a', 'b', 'c'])])],
    ]);
    const configOf = (id: string) => disks.get(id)!.config();
    // d lacks 3@2, but its own configuration [a, b, c] does not make it a voter: it cannot campaign.
    let checker = committed();
    checker.committedIsSafe(['a', 'b', 'c', 'd', 'e'], disks, configOf);
    expect(checker.violation).toBeUndefined();
    // d's durable log names itself and e as voters with a: d and e make a majority of [a, d, e].
    disks.set('d', diskWith([entry(1, 1), config(['a', 'd', 'e'])]));
    checker = committed();
    checker.committedIsSafe(['a', 'b', 'c', 'd', 'e'], disks, configOf);
    expect(checker.violation).toEqual({
      invariant: 'Commit Durability',
      detail:
        'd lacks the committed entry 3@2 (committed on a) yet could be elected: its durable log (last 2@1) is at least as up-to-date as those of d, e, ' +
        'a quorum of its configuration voters [a,d,e]',
    });
    // Joint: d and e are a majority of the incoming [a, d, e] but not of the outgoing [a, b, c].
    disks.set('d', diskWith([entry(1, 1), config(['a', 'd', 'e'], ['a', 'b', 'c'])]));
    checker = committed();
    checker.committedIsSafe(['a', 'b', 'c', 'd', 'e'], disks, configOf);
    expect(checker.violation).toBeUndefined();
  });

  it('Restart State: a node that restarts with more or less than its disk holds is a violation', () => {
    const checker = new InvariantChecker();
    const disk = diskWith([entry(1, 1), entry(2, 2)], { term: 3, vote: 'b', commit: 2 });
    checker.nodeStarted('a', core([entry(1, 1), entry(2, 2)], { term: 3, vote: 'b', commit: 2 }), disk);
    expect(checker.violation).toBeUndefined();
    checker.nodeStarted('a', core([entry(1, 1), entry(2, 2)], { term: 2, vote: 'b', commit: 2 }), disk);
    expect(checker.violation?.invariant).toBe('Restart State');
  });

  it('keeps only the first violation, and never reports an ignored invariant', () => {
    const checker = new InvariantChecker(new Set(['Election Safety'] as const));
    checker.leaderElected('a', 2, core([]));
    checker.leaderElected('b', 2, core([]));
    expect(checker.violation).toBeUndefined();
    checker.report('Liveness', 'first');
    checker.report('Linearizability', 'second');
    expect(checker.violation).toEqual({ invariant: 'Liveness', detail: 'first' });
  });
});

/**
 * Commit notices: once an entry commits, the leader tells the followers it pipelines to with an
 * empty AppendEntries marked `noReply`. They apply the commit without answering; a follower
 * whose log does not match still refuses, so a lost append is found at once.
 */
import { describe, expect, it } from 'vitest';
import { Network, bytes } from './test-support/network.js';
import type { AppendEntriesMessage, Message } from './types.js';
import { validateMessage } from './validate-message.js';

function isAppend(message: Message): message is AppendEntriesMessage {
  return message.type === 'appendEntries';
}

/** stableCluster: a, b, c with `a` elected and nothing queued. */
function stableCluster(): Network {
  const net = new Network(['a', 'b', 'c'], { seed: 5 });
  net.elect('a');
  expect(net.raft('a').status().role).toBe('leader');
  return net;
}

function deliveredSince(net: Network, from: number): Message[] {
  return net.delivered.slice(from);
}

describe('commit notices', () => {
  it('a committed entry costs six messages in a 3-node cluster: the followers do not answer the notice', () => {
    const net = stableCluster();
    const from = net.delivered.length;
    net.propose('a', 'x');
    net.stabilize();
    const index = net.raft('a').status().lastIndex;
    for (const id of ['a', 'b', 'c']) expect(net.raft(id).status().applied).toBe(index);
    const messages = deliveredSince(net, from);
    const notices = messages.filter((m) => isAppend(m) && m.noReply === true) as AppendEntriesMessage[];
    expect(notices.map((m) => m.to).sort()).toEqual(['b', 'c']);
    for (const notice of notices) {
      expect(notice.entries).toHaveLength(0);
      expect(notice.leaderCommit).toBe(index);
    }
    // Two appends, two answers, two notices; nothing answers a notice.
    expect(messages.map((m) => m.type).sort()).toEqual(['appendEntries', 'appendEntries', 'appendEntries', 'appendEntries', 'appendEntriesResponse', 'appendEntriesResponse']);
  });

  it('appends that carry entries, and probes, are never marked noReply', () => {
    const net = stableCluster();
    net.isolate('b');
    for (let i = 0; i < 3; i++) net.propose('a', `v${i}`);
    net.stabilize();
    net.heal();
    const from = net.delivered.length;
    for (let i = 0; i < 4; i++) {
      net.tick(1, ['a']);
      net.stabilize();
    }
    expect(net.raft('b').status().applied).toBe(net.raft('a').status().commit);
    const toB = deliveredSince(net, from).filter((m): m is AppendEntriesMessage => isAppend(m) && m.to === 'b');
    expect(toB.some((m) => m.entries.length > 0)).toBe(true);
    for (const message of toB) if (message.entries.length > 0) expect(message.noReply).toBeUndefined();
  });

  it('a follower that missed the entries refuses a notice, and the leader resends them at once', () => {
    const net = stableCluster();
    const before = net.raft('b').status().lastIndex;
    net.raft('a').propose(bytes('x'));
    net.process('a');
    // b's copy of the entry is lost; c's answer commits it and a sends both notices.
    const carriesEntryToB = (m: Message) => m.to === 'b' && isAppend(m) && m.entries.length > 0;
    net.deliver((m) => !carriesEntryToB(m));
    expect(net.queue.filter(carriesEntryToB)).toHaveLength(1);
    net.queue = net.queue.filter((m) => !carriesEntryToB(m));
    const from = net.delivered.length;
    net.stabilize();
    const afterNotice = deliveredSince(net, from);
    const notice = afterNotice.find((m): m is AppendEntriesMessage => isAppend(m) && m.to === 'b' && m.noReply === true);
    expect(notice).toBeDefined();
    const refusal = afterNotice.find((m) => m.type === 'appendEntriesResponse' && m.from === 'b');
    expect(refusal).toMatchObject({ success: false, rejectedIndex: notice!.prevLogIndex });
    // The refusal makes a resend the entry without waiting for a heartbeat.
    expect(net.raft('b').status().lastIndex).toBe(before + 1);
    expect(net.raft('b').status().commit).toBe(net.raft('a').status().commit);
  });

  it('validateMessage keeps noReply when it is a boolean and refuses it otherwise', () => {
    const base = { type: 'appendEntries', from: 'a', to: 'b', term: 2, prevLogIndex: 3, prevLogTerm: 2, entries: [], leaderCommit: 3 };
    expect(validateMessage({ ...base, noReply: true })).toMatchObject({ noReply: true });
    expect('noReply' in validateMessage(base)).toBe(false);
    expect(() => validateMessage({ ...base, noReply: 1 })).toThrow(/noReply/);
  });
});

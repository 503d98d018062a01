import type { AppendEntriesMessage, InstallSnapshotMessage, NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startCluster, type TestNode } from './test-support/cluster.js';
import { waitUntil } from './test-support/wait.js';

let nodes: Record<NodeId, TestNode> = {};
afterEach(async () => {
  await closeAll(nodes);
  nodes = {};
});

const MiB = 1024 * 1024;
const pattern = (length: number, seed: number) => {
  const data = new Uint8Array(length);
  for (let index = 0; index < length; index++) data[index] = (index * 7 + seed) & 0xff;
  return data;
};
const equalBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
const meta = { index: 500, term: 2, config: { voters: ['a', 'b'], outgoingVoters: [], learners: [] } };

describe('large messages under the default maxPayloadBytes (16 MiB)', () => {
  it('1 MiB entry data and a 1 MiB snapshot chunk round-trip byte for byte, both directions, as Uint8Array', async () => {
    nodes = await startCluster(['a', 'b']);
    const append: AppendEntriesMessage = {
      type: 'appendEntries', from: 'a', to: 'b', term: 2, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0,
      entries: [{ index: 1, term: 2, type: 'normal', data: pattern(MiB, 1) }],
    };
    const chunk: InstallSnapshotMessage = { type: 'installSnapshot', from: 'b', to: 'a', term: 2, meta, offset: 0, data: pattern(MiB, 2), done: false };
    nodes['a']!.transport.send('b', append);
    nodes['b']!.transport.send('a', chunk);
    await waitUntil(() => nodes['a']!.received.length === 1 && nodes['b']!.received.length === 1, 'both 1 MiB messages arrived');
    const gotAppend = nodes['b']!.received[0]!.message as AppendEntriesMessage;
    const gotChunk = nodes['a']!.received[0]!.message as InstallSnapshotMessage;
    expect(Object.getPrototypeOf(gotAppend.entries[0]!.data)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(gotChunk.data)).toBe(Uint8Array.prototype);
    expect([equalBytes(gotAppend.entries[0]!.data, append.entries[0]!.data), equalBytes(gotChunk.data, chunk.data)]).toEqual([true, true]);
    expect({ ...gotChunk, data: null }).toEqual({ ...chunk, data: null });
  });

  it('a snapshot streamed as 16 chunks of 256 KiB arrives complete, in order, with contiguous offsets', async () => {
    nodes = await startCluster(['a', 'b']);
    const snapshot = pattern(4 * MiB, 3);
    const chunkBytes = 256 * 1024;
    for (let offset = 0; offset < snapshot.byteLength; offset += chunkBytes) {
      nodes['a']!.transport.send('b', { type: 'installSnapshot', from: 'a', to: 'b', term: 2, meta, offset, data: snapshot.subarray(offset, offset + chunkBytes), done: false });
    }
    nodes['a']!.transport.send('b', { type: 'installSnapshot', from: 'a', to: 'b', term: 2, meta, offset: snapshot.byteLength, data: new Uint8Array(0), done: true });
    await waitUntil(() => nodes['b']!.received.length === 17, 'all chunks arrived');
    const chunks = nodes['b']!.received.map(({ message }) => message as InstallSnapshotMessage);
    expect(chunks.map((message) => message.offset)).toEqual(Array.from({ length: 17 }, (_, index) => index * chunkBytes));
    expect(chunks.map((message) => message.done)).toEqual([...Array.from({ length: 16 }, () => false), true]);
    expect(equalBytes(Buffer.concat(chunks.map((message) => message.data)), snapshot)).toBe(true);
    expect(nodes['a']!.transport.stats().dropped).toBe(0);
  });
});

/**
 * SqliteStorage under the real runtime: a one-node RaftNode persists through it, snapshots and
 * compacts through it, and a restarted node (new process state, same directory) recovers.
 */
import { createRaftNode, type RaftNode, type StateMachine } from '@raftkit/core';
import { createMemoryNetwork } from '@raftkit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../src/index.js';
import { temporaryDirectory } from '../src/test-support/temporary-directory.js';

/** Sum keeps the sum of the numbers applied, and how many restores it went through. */
class Sum implements StateMachine<number, null, number> {
  total = 0;
  restores = 0;
  apply(command: number): number {
    this.total += command;
    return this.total;
  }
  query(): number {
    return this.total;
  }
  snapshot(): AsyncIterable<Uint8Array> {
    const bytes = new TextEncoder().encode(String(this.total));
    return (async function* () {
      yield bytes;
    })();
  }
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    let text = '';
    for await (const chunk of chunks) text += new TextDecoder().decode(chunk);
    this.total = Number(text);
    this.restores++;
  }
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function startNode(directory: string, machine: Sum): Promise<RaftNode<number, null, number>> {
  const node = createRaftNode({
    config: { id: 'n1', tickMs: 5 },
    storage: createSqliteStorage({ directory }),
    transport: createMemoryNetwork().transport('n1'),
    stateMachine: machine,
    bootstrap: { voters: ['n1'], outgoingVoters: [], learners: [] },
    snapshot: { entries: 4, trailing: 1 },
  });
  await node.start();
  // A lone voter elects itself after one election timeout.
  const leader = new Promise<void>((resolve) => {
    if (node.status().role === 'leader') resolve();
    node.on('roleChanged', ({ role }) => role === 'leader' && resolve());
  });
  await leader;
  return node;
}

describe('SqliteStorage under RaftNode', () => {
  it('a restarted node restores the last snapshot, replays the log after it, and continues', async () => {
    const directory = temporaryDirectory('raft-node');
    cleanups.push(directory.remove);
    const first = new Sum();
    const node = await startNode(directory.path, first);
    for (let number = 1; number <= 10; number++) expect(await node.propose(number)).toBe((number * (number + 1)) / 2);
    const { commit } = node.status();
    await node.stop();

    const second = new Sum();
    const restarted = await startNode(directory.path, second);
    // Proposing 0 returns the sum once everything before it has been applied again.
    expect(await restarted.propose(0)).toBe(55);
    expect(second.restores).toBe(1);
    expect(restarted.status().appliedIndex).toBeGreaterThan(commit);
    await restarted.stop();
  });
});

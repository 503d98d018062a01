/**
 * A one-node raftkit cluster whose state survives restarts: each run opens the data directory,
 * replays the log (or restores the last snapshot), adds 1 to a counter through Raft, and prints
 * it. Run it twice and the count goes on:
 *
 *   pnpm --filter @raftkit/storage-sqlite run example            # data in ./.raftkit/counter
 *   pnpm --filter @raftkit/storage-sqlite run example -- /tmp/x  # or in a directory of your own
 */
import { createRaftNode, type StateMachine } from '@raftkit/core';
import { createMemoryNetwork } from '@raftkit/core/testing';
import { createSqliteStorage } from '../src/index.js';

/** Counter is the replicated state machine: one number, incremented by commands. */
class Counter implements StateMachine<{ add: number }, null, number> {
  private value = 0;

  apply(command: { add: number }): number {
    this.value += command.add;
    return this.value;
  }

  query(): number {
    return this.value;
  }

  snapshot(): AsyncIterable<Uint8Array> {
    const bytes = new TextEncoder().encode(String(this.value));
    return (async function* () {
      yield bytes;
    })();
  }

  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    let text = '';
    for await (const chunk of chunks) text += new TextDecoder().decode(chunk);
    this.value = Number(text);
  }
}

async function main(): Promise<void> {
  const directory = process.argv[2] ?? '.raftkit/counter';
  const node = createRaftNode({
    config: { id: 'n1', tickMs: 10 },
    storage: createSqliteStorage({ directory }),
    transport: createMemoryNetwork().transport('n1'),
    stateMachine: new Counter(),
    // Used only the first time, when the directory is empty.
    bootstrap: { voters: ['n1'], outgoingVoters: [], learners: [] },
    // Snapshot every 4 entries, so restarts also restore from a snapshot.
    snapshot: { entries: 4, trailing: 2 },
  });
  await node.start();
  try {
    while (node.status().role !== 'leader') await new Promise((resolve) => setTimeout(resolve, 10));
    const value = await node.propose({ add: 1 });
    const { term, appliedIndex } = node.status();
    console.log(`counter = ${value} (term ${term}, applied index ${appliedIndex}, data in ${directory})`);
  } finally {
    await node.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * A user's program on the installed tarballs: three RaftNodes in one process, each on its own
 * SQLite data directory, talking over real WebSockets on 127.0.0.1. It writes through the leader,
 * reads the value back linearizably through a follower, stops the cluster, reopens one node's
 * storage and finds the write on disk. It prints one JSON line for the test to check.
 */
import { createRaftNode, type ApplyMeta } from '@raftkit/core';
import { createSqliteStorage } from '@raftkit/storage-sqlite';
import { createWsTransport, type WsTransport } from '@raftkit/transport-ws';
import { join } from 'node:path';

interface Put {
  readonly key: string;
  readonly value: string;
}

/** A tiny replicated map; its snapshot is taken eagerly, at the call. */
function createMapMachine() {
  const values = new Map<string, string>();
  return {
    apply(command: Put, meta: ApplyMeta): string | null {
      values.set(command.key, `${command.value}@${meta.index}`);
      return values.get(command.key) ?? null;
    },
    query(key: string): string | null {
      return values.get(key) ?? null;
    },
    snapshot(): AsyncIterable<Uint8Array> {
      const bytes = new TextEncoder().encode(JSON.stringify([...values]));
      return (async function* () {
        yield bytes;
      })();
    },
    async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
      let text = '';
      for await (const chunk of chunks) text += new TextDecoder().decode(chunk, { stream: true });
      values.clear();
      for (const [key, value] of JSON.parse(text) as Array<[string, string]>) values.set(key, value);
    },
  };
}

async function waitFor<T>(what: string, probe: () => T | undefined, deadlineMs: number): Promise<T> {
  const giveUpAt = Date.now() + deadlineMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > giveUpAt) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const dataRoot = process.argv[2];
if (dataRoot === undefined) throw new Error('usage: node cluster.js DATA_DIRECTORY');

const ids = ['n1', 'n2', 'n3'];
const transports = new Map<string, WsTransport>();
const nodes = ids.map((id) => {
  const transport = createWsTransport({
    id,
    clusterId: 'packaging',
    listen: { host: '127.0.0.1', port: 0 },
    peers: {},
    secret: 'packaging-test-secret',
  });
  transports.set(id, transport);
  return createRaftNode({
    config: { id, tickMs: 20 },
    storage: createSqliteStorage({ directory: join(dataRoot, id) }),
    transport,
    stateMachine: createMapMachine(),
    bootstrap: { voters: ids, outgoingVoters: [], learners: [] },
  });
});

await Promise.all(nodes.map((node) => node.start()));
const addresses = Object.fromEntries(ids.map((id) => [id, `127.0.0.1:${transports.get(id)!.address().port}`]));
for (const transport of transports.values()) transport.setPeers(addresses);

let result: Record<string, unknown>;
try {
  const leader = await waitFor('a leader', () => nodes.find((node) => node.status().role === 'leader'), 60_000);
  const written = await leader.propose({ key: 'greeting', value: 'hello' });
  const follower = nodes.find((node) => node !== leader)!;
  const readBack = await follower.read('greeting');
  result = { leader: leader.status().id, written, readBack, readFrom: follower.status().id };
} finally {
  await Promise.all(nodes.map((node) => node.stop()));
}

// The write is on n1's disk: its storage, reopened, holds an entry carrying it.
const storage = createSqliteStorage({ directory: join(dataRoot, 'n1') });
const { entries } = await storage.load();
await storage.close();
const onDisk = entries.some((entry) => new TextDecoder().decode(entry.data).includes('hello'));
console.log(JSON.stringify({ ...result, onDisk }));

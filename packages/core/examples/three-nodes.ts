/**
 * A three-node cluster in one process: memory network, MemoryStorage, the real clock. It waits
 * for a leader, replicates a few commands to a tiny key-value store, and prints what each node
 * holds. Run with `pnpm --filter @raftkit/core run example`.
 */
import { createMemoryStorage, createRaftNode, createRealClock, type RaftNode, type StateMachine } from '../src/index.js';
import { createMemoryNetwork } from '../src/testing/index.js';

/** Commands of the store: set a key, or add to a numeric key. */
type Command = { readonly op: 'set'; readonly key: string; readonly value: string } | { readonly op: 'incr'; readonly key: string; readonly by: number };
type Query = { readonly key: string };
type Result = string | number | undefined;

/** KeyValueMachine is the replicated state: a map from keys to strings or numbers. */
class KeyValueMachine implements StateMachine<Command, Query, Result> {
  private readonly data = new Map<string, string | number>();

  apply(command: Command): Result {
    if (command.op === 'set') {
      this.data.set(command.key, command.value);
      return command.value;
    }
    const current = this.data.get(command.key);
    const next = (typeof current === 'number' ? current : 0) + command.by;
    this.data.set(command.key, next);
    return next;
  }

  query(query: Query): Result {
    return this.data.get(query.key);
  }

  snapshot(): AsyncIterable<Uint8Array> {
    // Capture now: the node keeps applying while the snapshot is being stored.
    const bytes = new TextEncoder().encode(JSON.stringify([...this.data]));
    return (async function* () {
      yield bytes;
    })();
  }

  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    let text = '';
    for await (const chunk of chunks) text += new TextDecoder().decode(chunk);
    this.data.clear();
    for (const [key, value] of JSON.parse(text) as [string, string | number][]) this.data.set(key, value);
  }
}

type Node = RaftNode<Command, Query, Result>;

/** waitFor polls `condition` until it holds or `deadlineMs` passes. */
async function waitFor<T>(condition: () => T | undefined, deadlineMs: number, what: string): Promise<T> {
  const giveUpAt = Date.now() + deadlineMs;
  for (;;) {
    const value = condition();
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) throw new Error(`no ${what} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main(): Promise<void> {
  const ids = ['n1', 'n2', 'n3'];
  const network = createMemoryNetwork();
  const clock = createRealClock();
  const nodes = new Map<string, Node>();
  for (const id of ids) {
    const node = createRaftNode<Command, Query, Result>({
      config: { id, tickMs: 20 },
      storage: createMemoryStorage(),
      transport: network.transport(id),
      stateMachine: new KeyValueMachine(),
      clock,
      bootstrap: { voters: ids, outgoingVoters: [], learners: [] },
    });
    node.on('roleChanged', ({ role, term, leader }) => console.log(`[${id}] ${role} in term ${term}, leader ${leader ?? '-'}`));
    nodes.set(id, node);
  }
  await Promise.all([...nodes.values()].map((node) => node.start()));

  try {
    const leaderId = await waitFor(() => ids.find((id) => nodes.get(id)!.status().role === 'leader'), 5000, 'leader');
    const leader = nodes.get(leaderId)!;
    console.log(`\nleader: ${leaderId}\n`);

    const commands: Command[] = [
      { op: 'set', key: 'greeting', value: 'hello' },
      { op: 'incr', key: 'visits', by: 1 },
      { op: 'incr', key: 'visits', by: 41 },
    ];
    for (const command of commands) console.log(`propose ${JSON.stringify(command)} -> ${JSON.stringify(await leader.propose(command))}`);

    const lastIndex = leader.status().commit;
    await waitFor(() => (ids.every((id) => nodes.get(id)!.status().appliedIndex >= lastIndex) ? true : undefined), 5000, 'replication to every node');
    console.log('');
    for (const id of ids) {
      const node = nodes.get(id)!;
      const { role, term, leader: known, commit, appliedIndex, lastIndex: last } = node.status();
      const visits = node.query({ key: 'visits' });
      console.log(`${id}: ${role.padEnd(8)} term=${term} leader=${known} commit=${commit} applied=${appliedIndex} lastIndex=${last} visits=${String(visits)}`);
    }
  } finally {
    await Promise.all([...nodes.values()].map((node) => node.stop()));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

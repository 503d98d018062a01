/**
 * LocalCluster: N `raftkit start` processes on loopback, bootstrapped together with --cluster,
 * each with its own data directory under one temporary root, plus helpers to find the leader and
 * read a node's status.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { NodeProcess } from './node-process.js';
import { waitFor } from './wait-for.js';

/** Flags as a record: `true` is a bare flag (`--lease-reads`), a string a flag with a value. */
export type NodeFlags = Readonly<Record<string, string | true>>;

/** StatusBody is the part of `GET /v1/status` the benchmark reads. */
export interface StatusBody {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastLogIndex: number;
  readonly snapshotIndex: number;
  readonly members: { readonly voters: string[]; readonly learners: string[]; readonly outgoing: string[] };
}

/** status reads a node's `GET /v1/status`; throws when the node does not answer 200. */
export async function status(node: NodeProcess, timeoutMs = 2000): Promise<StatusBody> {
  const response = await fetch(`http://${node.http}/v1/status`, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`status of ${node.id}: ${response.status} ${text}`);
  return JSON.parse(text) as StatusBody;
}

/** toFlags turns a flag record into command-line arguments. */
export function toFlags(flags: NodeFlags): string[] {
  return Object.entries(flags).flatMap(([name, value]) => (value === true ? [`--${name}`] : [`--${name}`, value]));
}

/** LocalCluster is a set of node processes sharing one temporary data root. */
export class LocalCluster {
  private constructor(
    readonly nodes: NodeProcess[],
    readonly root: string,
  ) {}

  /** create allocates ports and data directories for `ids` and bootstraps them together (nothing starts yet). */
  static async create(ids: readonly string[], flags: NodeFlags): Promise<LocalCluster> {
    const root = mkdtempSync(join(tmpdir(), 'raftkit-bench-'));
    const ports: [number, number][] = [];
    for (const _ of ids) ports.push([await freePort(), await freePort()]);
    const cluster = ids.map((id, position) => `${id}=127.0.0.1:${ports[position]![0]}`).join(',');
    const argv = toFlags({ ...flags, cluster });
    return new LocalCluster(
      ids.map((id, position) => new NodeProcess(id, ports[position]![0], ports[position]![1], join(root, id), [...argv])),
      root,
    );
  }

  /** start starts every node that is not running and waits for a leader all of them know. */
  async start(timeoutMs = 60_000): Promise<NodeProcess> {
    await Promise.all(this.nodes.filter((node) => !node.running).map((node) => node.start(timeoutMs)));
    return this.waitForLeader(timeoutMs);
  }

  /** node returns the node with `id`. */
  node(id: string): NodeProcess {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** httpAddresses are the `host:port` HTTP addresses of every node (for a client's `nodes`). */
  get httpAddresses(): string[] {
    return this.nodes.map((node) => node.http);
  }

  /** addNode allocates a node outside the bootstrap list (for `--join`); it is not started. */
  async addNode(id: string, flags: NodeFlags): Promise<NodeProcess> {
    const node = new NodeProcess(id, await freePort(), await freePort(), join(this.root, id), toFlags(flags));
    this.nodes.push(node);
    return node;
  }

  /**
   * waitForLeader waits until every running node reports the same leader in the same term, the
   * leader itself included, and returns it.
   */
  async waitForLeader(timeoutMs = 30_000): Promise<NodeProcess> {
    return waitFor(
      'a leader every running node knows',
      async () => {
        const among = this.nodes.filter((node) => node.running);
        const statuses = await Promise.all(among.map((node) => status(node)));
        const first = statuses[0];
        if (first === undefined || first.leader === null) return undefined;
        if (!statuses.every((other) => other.leader === first.leader && other.term === first.term)) return undefined;
        const position = among.findIndex((node) => node.id === first.leader);
        return position >= 0 && statuses[position]!.role === 'leader' ? among[position] : undefined;
      },
      timeoutMs,
    );
  }

  /** waitCaughtUp waits until every running node has applied the leader's commit index. */
  async waitCaughtUp(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      'every running node to apply the leader commit index',
      async () => {
        const leader = await this.waitForLeader(timeoutMs);
        const { commitIndex } = await status(leader);
        const statuses = await Promise.all(this.nodes.filter((node) => node.running).map((node) => status(node)));
        return statuses.every((each) => each.appliedIndex >= commitIndex) ? true : undefined;
      },
      timeoutMs,
      50,
    );
  }

  /** stop stops every running node with SIGTERM (a clean shutdown), keeping the data. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill('SIGTERM')));
  }

  /** destroy SIGKILLs every running node and deletes the data root. */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill('SIGKILL')));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** logs is the last lines of every node's output, for an error message. */
  logs(lines = 10): string {
    return this.nodes.map((node) => `--- ${node.id}\n${node.output.slice(-lines).join('\n')}`).join('\n');
  }
}

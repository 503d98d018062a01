/**
 * LocalCluster: N `raftkit start` processes on loopback, on free ports, bootstrapped together
 * with --cluster, each with its own data directory under one temporary root; start them, wait for
 * a leader, kill and restart nodes, stop. Every node gets the cluster's peer secret through
 * `RAFTKIT_SECRET` (a random one unless given), so peers authenticate as in production.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { NodeProcess } from './node-process.js';
import { waitFor } from './wait-for.js';

/** Flags as a record: `true` is a bare flag (`--lease-reads`), a string a flag with a value. */
export type NodeFlags = Readonly<Record<string, string | true>>;

/** StatusBody is the part of `GET /v1/status` a launcher reads. */
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
  readonly unresponsive: string[];
}

/** LocalClusterOptions shape a cluster. */
export interface LocalClusterOptions {
  /** Flags of `raftkit start` for every node (`machine`, `tick-ms`, ...); `--cluster` is added. */
  readonly flags?: NodeFlags;
  /** The peer secret every node gets as `RAFTKIT_SECRET`. Default: random per cluster. */
  readonly secret?: string;
  /** Where the data directories go. Default: a new temporary directory (`destroy` deletes it). */
  readonly root?: string;
  /**
   * Options for the `node` executable of every node, before the script: `['--cpu-prof',
   * '--cpu-prof-dir=profiles']` writes a CPU profile of each node's threads when it exits. Node
   * writes them only on a clean exit: end with `stop()` (SIGTERM), not `destroy()` alone.
   */
  readonly nodeOptions?: readonly string[];
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

/** LocalCluster is a set of node processes sharing one data root and one peer secret. */
export class LocalCluster {
  private constructor(
    readonly nodes: NodeProcess[],
    readonly root: string,
    /** The peer secret (`RAFTKIT_SECRET`) of every node. */
    readonly secret: string,
    /** The `node` options every node of this cluster runs with (LocalClusterOptions.nodeOptions). */
    readonly nodeOptions: readonly string[] = [],
  ) {}

  /** create allocates ports and data directories for `ids` and bootstraps them together (nothing starts yet). */
  static async create(ids: readonly string[], options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const root = options.root ?? mkdtempSync(join(tmpdir(), 'raftkit-cluster-'));
    const secret = options.secret ?? randomBytes(24).toString('base64url');
    const ports: [number, number][] = [];
    for (const _ of ids) ports.push([await freePort(), await freePort()]);
    const cluster = ids.map((id, position) => `${id}=127.0.0.1:${ports[position]![0]}`).join(',');
    const argv = toFlags({ ...options.flags, cluster });
    const env = { RAFTKIT_SECRET: secret };
    const nodeOptions = options.nodeOptions ?? [];
    return new LocalCluster(
      ids.map((id, position) => new NodeProcess(id, ports[position]![0], ports[position]![1], join(root, id), [...argv], env, nodeOptions)),
      root,
      secret,
      nodeOptions,
    );
  }

  /** start creates a cluster, starts it and waits for a leader; on failure it kills what it started. */
  static async start(ids: readonly string[], options: LocalClusterOptions = {}, timeoutMs = 120_000): Promise<LocalCluster> {
    const cluster = await LocalCluster.create(ids, options);
    try {
      await cluster.start(timeoutMs);
    } catch (error) {
      await cluster.destroy();
      throw new Error(`${(error as Error).message}\n${cluster.logs()}`);
    }
    return cluster;
  }

  /** start starts every node that is not running and waits for a leader all of them know. */
  async start(timeoutMs = 120_000): Promise<NodeProcess> {
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

  /** addNode allocates a node outside the bootstrap list (for `--join`), with the cluster's secret; it is not started. */
  async addNode(id: string, flags: NodeFlags): Promise<NodeProcess> {
    const node = new NodeProcess(id, await freePort(), await freePort(), join(this.root, id), toFlags(flags), { RAFTKIT_SECRET: this.secret }, this.nodeOptions);
    this.nodes.push(node);
    return node;
  }

  /**
   * waitForLeader waits until every running node (or those in `among`) reports the same leader
   * in the same term, the leader itself included, and returns it with the term.
   */
  async waitForLeader(timeoutMs = 30_000, among?: readonly NodeProcess[]): Promise<NodeProcess> {
    return (await this.waitForLeaderAndTerm(timeoutMs, among)).leader;
  }

  /** waitForLeaderAndTerm is waitForLeader that also answers the term. */
  async waitForLeaderAndTerm(timeoutMs = 30_000, among?: readonly NodeProcess[]): Promise<{ leader: NodeProcess; term: number }> {
    return waitFor(
      'a leader every running node knows',
      async () => {
        const nodes = among ?? this.nodes.filter((node) => node.running);
        const statuses = await Promise.all(nodes.map((node) => status(node)));
        const first = statuses[0];
        if (first === undefined || first.leader === null) return undefined;
        if (!statuses.every((other) => other.leader === first.leader && other.term === first.term)) return undefined;
        const position = nodes.findIndex((node) => node.id === first.leader);
        return position >= 0 && statuses[position]!.role === 'leader' ? { leader: nodes[position]!, term: first.term } : undefined;
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

  /** kill kills node `id` (SIGKILL by default: a crash), keeping its data. */
  kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<unknown> {
    return this.node(id).kill(signal);
  }

  /** restart starts node `id` again on its data and waits until it serves. */
  restart(id: string, timeoutMs = 120_000): Promise<void> {
    return this.node(id).restart(timeoutMs);
  }

  /** stop stops every running node with SIGTERM (a clean shutdown), keeping the data. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.filter((node) => node.running).map((node) => node.kill('SIGTERM')));
  }

  /** destroy SIGKILLs every running node and deletes the data root. */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.filter((node) => node.running).map((node) => node.kill('SIGKILL')));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** logs is the last lines of every node's output, for an error message. */
  logs(lines = 20): string {
    return this.nodes.map((node) => `--- ${node.id}\n${node.output.slice(-lines).join('\n')}`).join('\n');
  }
}

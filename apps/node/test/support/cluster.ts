/**
 * Real `raftkit start` processes on loopback for end-to-end tests. Each node runs from source
 * (`node --conditions=@raftkit/source --import tsx src/bin.ts start ...`), so the tests work in a
 * clean clone where nothing is built. Tests wait on conditions with deadlines, never on sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const binPath = fileURLToPath(new URL('../../src/bin.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Flags every test node gets unless a test overrides them: fast ticks, short timeouts. */
export const FAST = { 'tick-ms': '30', 'election-ticks': '10', 'heartbeat-ticks': '1', 'request-timeout-ms': '3000', 'log-level': 'info' } as const;

/** TEST_SECRET is the peer secret of every node this test process starts (a node refuses to start without one). */
export const TEST_SECRET = randomBytes(32).toString('hex');

/** nodeEnv is the environment of a `raftkit` child process: this one's, with the test secret. */
export function nodeEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...process.env, RAFTKIT_SECRET: TEST_SECRET, ...extra };
}

/** Ports handed out in this process, so two nodes of one test never get the same one. */
const handedOut = new Set<number>();

/**
 * freePort finds a port nothing listens on now. It picks from below Linux's ephemeral range
 * (32768+), where outgoing connections take their local ports, so the port is unlikely to be
 * taken between this check and the node binding it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
}

/** waitFor polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(description: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** NodeProcess is one node of a test cluster: its ports, data, and the process when running. */
export class NodeProcess {
  process: ChildProcess | undefined;
  /** Every line the process printed, over all its runs (for failure messages). */
  readonly output: string[] = [];
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;

  constructor(
    readonly id: string,
    readonly peerPort: number,
    readonly httpPort: number,
    readonly dataDir: string,
    /** The flags of `raftkit start` after --id, --data and the listen addresses. */
    public flags: string[],
  ) {}

  /** http is `host:port` of the node's HTTP API. */
  get http(): string {
    return `127.0.0.1:${this.httpPort}`;
  }

  get peer(): string {
    return `127.0.0.1:${this.peerPort}`;
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** spawn starts the process without waiting for it. */
  spawn(): void {
    if (this.running) throw new Error(`${this.id} is already running`);
    const args = ['--conditions=@raftkit/source', '--import', tsxLoader, binPath, 'start', '--id', this.id, '--data', this.dataDir, '--peer-listen', this.peer, '--http-listen', this.http, ...this.flags];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: nodeEnv() });
    const streamsClosed = [child.stdout!, child.stderr!].map((stream) => {
      const reader = createInterface({ input: stream });
      reader.on('line', (line) => this.output.push(line));
      return new Promise<void>((resolve) => reader.once('close', resolve));
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => void Promise.all(streamsClosed).then(() => resolve({ code, signal }))));
    this.process = child;
  }

  /** start spawns the process and waits until its HTTP API answers (it opens only after load()). */
  async start(timeoutMs = 120_000): Promise<void> {
    this.spawn();
    await waitFor(`${this.id} to serve HTTP`, async () => {
      if (!this.running) throw new Error(`${this.id} exited: ${this.output.slice(-5).join('\n')}`);
      const response = await fetch(`http://${this.http}/v1/status`, { signal: AbortSignal.timeout(1000) });
      return response.status === 200 ? true : undefined;
    }, timeoutMs, 50);
  }

  /** kill sends `signal` (SIGKILL by default) and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const exited = this.exited;
    if (this.process === undefined || exited === undefined) throw new Error(`${this.id} was never started`);
    if (this.running) this.process.kill(signal);
    return exited;
  }

  /** waitExit waits for the running process to exit by itself. */
  async waitExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.exited === undefined) throw new Error(`${this.id} was never started`);
    return this.exited;
  }
}

/** ClusterOptions shape a test cluster. */
export interface ClusterOptions {
  /** Extra flags for every node (after FAST). */
  readonly flags?: Readonly<Record<string, string | true>>;
}

/** TestCluster is N nodes bootstrapped together with --cluster, each in its own temporary data directory. */
export class TestCluster {
  private constructor(
    readonly nodes: NodeProcess[],
    private readonly root: string,
  ) {}

  /** create allocates ports and directories for `ids` (nothing is started). */
  static async create(ids: readonly string[], options: ClusterOptions = {}): Promise<TestCluster> {
    const root = mkdtempSync(join(tmpdir(), 'raftkit-e2e-'));
    const ports: [number, number][] = [];
    for (const _ of ids) ports.push([await freePort(), await freePort()]);
    const cluster = ids.map((id, position) => `${id}=127.0.0.1:${ports[position]![0]}`).join(',');
    const flags = toFlags({ ...FAST, ...options.flags, cluster });
    const nodes = ids.map((id, position) => new NodeProcess(id, ports[position]![0], ports[position]![1], join(root, id), [...flags]));
    return new TestCluster(nodes, root);
  }

  /** start creates and starts a cluster, and waits for a leader. */
  static async start(ids: readonly string[], options: ClusterOptions = {}): Promise<TestCluster> {
    const cluster = await TestCluster.create(ids, options);
    try {
      await Promise.all(cluster.nodes.map((node) => node.start()));
      await cluster.waitForLeader();
    } catch (error) {
      // The caller never gets the cluster to clean up: leave no process behind.
      await cluster.destroy();
      throw new Error(`${(error as Error).message}\n${cluster.logs()}`);
    }
    return cluster;
  }

  node(id: string): NodeProcess {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** newNode allocates a node outside the cluster's --cluster list (for --join tests). */
  async newNode(id: string, flags: Readonly<Record<string, string | true>>): Promise<NodeProcess> {
    const node = new NodeProcess(id, await freePort(), await freePort(), join(this.root, id), toFlags({ ...FAST, ...flags }));
    this.nodes.push(node);
    return node;
  }

  /**
   * waitForLeader waits until every running node (or those in `among`) reports the same leader
   * in the same term, that leader itself included, and returns it.
   */
  async waitForLeader(among: readonly NodeProcess[] = this.nodes.filter((node) => node.running), timeoutMs = 30_000): Promise<{ leader: NodeProcess; term: number }> {
    return waitFor(`a leader known to ${among.map((node) => node.id).join(', ')}`, async () => {
      const statuses = await Promise.all(among.map((node) => status(node).catch(() => undefined)));
      const first = statuses[0];
      if (first === undefined || first.leader === null) return undefined;
      if (!statuses.every((other) => other !== undefined && other.leader === first.leader && other.term === first.term)) return undefined;
      const leader = this.nodes.find((node) => node.id === first.leader);
      if (leader === undefined || !among.includes(leader)) return undefined;
      const own = statuses[among.indexOf(leader)];
      return own?.role === 'leader' ? { leader, term: first.term } : undefined;
    }, timeoutMs);
  }

  /** destroy kills every running node and deletes the data. */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.filter((node) => node.running).map((node) => node.kill('SIGKILL')));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** logs is the last lines of every node's output, for a failing test's message. */
  logs(lines = 20): string {
    return this.nodes.map((node) => `--- ${node.id}\n${node.output.slice(-lines).join('\n')}`).join('\n');
  }
}

function toFlags(flags: Readonly<Record<string, string | true>>): string[] {
  return Object.entries(flags).flatMap(([name, value]) => (value === true ? [`--${name}`] : [`--${name}`, value]));
}

/** StatusBody is `GET /v1/status`. */
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

/** Answer is an HTTP answer: status, headers, raw body text and parsed JSON (if JSON). */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/** call makes one HTTP request to a node. */
export async function call(node: NodeProcess | string, method: string, path: string, options: { body?: string | Uint8Array; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  const address = typeof node === 'string' ? node : node.http;
  const response = await fetch(`http://${address}${path}`, {
    method,
    ...(options.body === undefined ? {} : { body: options.body }),
    headers: options.headers ?? {},
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** status reads a node's `GET /v1/status`. */
export async function status(node: NodeProcess): Promise<StatusBody> {
  const answer = await call(node, 'GET', '/v1/status', { timeoutMs: 2000 });
  if (answer.status !== 200) throw new Error(`status of ${node.id}: ${answer.status} ${answer.text}`);
  return answer.json as StatusBody;
}

/**
 * putRetrying writes `value` under `key` through `node`, trying again on 503 (certainly not
 * applied) and 504 (a PUT of the same value is idempotent). Any other answer fails the test.
 */
export async function putRetrying(node: NodeProcess, key: string, value: string, timeoutMs = 30_000): Promise<{ index: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let answer: Answer | undefined;
    try {
      answer = await call(node, 'PUT', `/v1/kv/${encodeURIComponent(key)}`, { body: value });
    } catch {
      answer = undefined;
    }
    if (answer?.status === 200) return answer.json as { index: number };
    if (answer !== undefined && answer.status !== 503 && answer.status !== 504) throw new Error(`PUT ${key} answered ${answer.status} ${answer.text}`);
    if (performance.now() > deadline) throw new Error(`PUT ${key} through ${node.id} did not succeed within ${timeoutMs} ms (last: ${answer?.status ?? 'no answer'} ${answer?.text ?? ''})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

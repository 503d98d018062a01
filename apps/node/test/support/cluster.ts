/**
 * Real `raftkit start` processes on loopback for end-to-end tests: a thin layer over the one
 * launcher, `@raftkit/node/testing` (src/testing/), with the fast test flags and HTTP helpers.
 * Nodes run from source, so the tests work in a clean clone where nothing is built; every node
 * gets the cluster's peer secret through RAFTKIT_SECRET. Tests wait on conditions with
 * deadlines, never on sleeps.
 */
import { randomBytes } from 'node:crypto';
import { freePort, LocalCluster, NodeProcess, waitFor, type StatusBody } from '../../src/testing/index.js';

export { freePort, NodeProcess, waitFor };

/** Flags every test node gets unless a test overrides them: fast ticks, short timeouts. */
export const FAST = { 'tick-ms': '30', 'election-ticks': '10', 'heartbeat-ticks': '1', 'request-timeout-ms': '3000', 'log-level': 'info' } as const;

/** TEST_SECRET is the peer secret of every node this test process starts (a node refuses to start without one). */
export const TEST_SECRET = randomBytes(32).toString('hex');

/** nodeEnv is the environment of a `raftkit` child process: this one's, with the test secret. */
export function nodeEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...process.env, RAFTKIT_SECRET: TEST_SECRET, ...extra };
}

/** ClusterOptions shape a test cluster. */
export interface ClusterOptions {
  /** Extra flags for every node (after FAST). */
  readonly flags?: Readonly<Record<string, string | true>>;
}

/** TestCluster is N nodes bootstrapped together with --cluster, each in its own temporary data directory. */
export class TestCluster {
  private constructor(private readonly cluster: LocalCluster) {}

  /** The nodes, in creation order (`newNode` adds to it). */
  get nodes(): NodeProcess[] {
    return this.cluster.nodes;
  }

  /** create allocates ports and directories for `ids` (nothing is started). */
  static async create(ids: readonly string[], options: ClusterOptions = {}): Promise<TestCluster> {
    return new TestCluster(await LocalCluster.create(ids, { flags: { ...FAST, ...options.flags }, secret: TEST_SECRET }));
  }

  /** start creates and starts a cluster, and waits for a leader. */
  static async start(ids: readonly string[], options: ClusterOptions = {}): Promise<TestCluster> {
    return new TestCluster(await LocalCluster.start(ids, { flags: { ...FAST, ...options.flags }, secret: TEST_SECRET }));
  }

  node(id: string): NodeProcess {
    return this.cluster.node(id);
  }

  /** newNode allocates a node outside the cluster's --cluster list (for --join tests). */
  async newNode(id: string, flags: Readonly<Record<string, string | true>>): Promise<NodeProcess> {
    return this.cluster.addNode(id, { ...FAST, ...flags });
  }

  /**
   * waitForLeader waits until every running node (or those in `among`) reports the same leader
   * in the same term, that leader itself included, and returns it.
   */
  async waitForLeader(among: readonly NodeProcess[] = this.nodes.filter((node) => node.running), timeoutMs = 30_000): Promise<{ leader: NodeProcess; term: number }> {
    return this.cluster.waitForLeaderAndTerm(timeoutMs, among);
  }

  /** destroy kills every running node and deletes the data. */
  async destroy(): Promise<void> {
    await this.cluster.destroy();
  }

  /** logs is the last lines of every node's output, for a failing test's message. */
  logs(lines = 20): string {
    return this.cluster.logs(lines);
  }
}

/** StatusBody is `GET /v1/status`, as the launcher reads it. */
export type { StatusBody };

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

/**
 * One real `raftkit start` process, run from source (`node --conditions=@raftkit/source --import
 * tsx apps/node/src/bin.ts start ...`) so the benchmark needs no build step.
 *
 * Every spawned process is in `liveProcesses` until it exits, and a process 'exit' handler (plus
 * SIGINT/SIGTERM handlers) SIGKILLs whatever is left: a benchmark that throws, or is stopped with
 * Ctrl-C, leaves no node running. (Nothing can clean up after a SIGKILL of the benchmark itself.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sleep, waitFor } from './wait-for.js';

/**
 * The node's entry point, by path: `@raftkit/node` exports only its library, not `bin.ts`, and the
 * benchmark lives in the same repository.
 */
const binPath = fileURLToPath(new URL('../../../apps/node/src/bin.ts', import.meta.url));
/** BENCH_SECRET is the peer secret of every node this run starts. */
const BENCH_SECRET = randomBytes(32).toString('hex');

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** How many output lines each node keeps, for error messages (a long run must not grow memory). */
const KEPT_LINES = 200;

const liveProcesses = new Set<ChildProcess>();

function killAllLive(): void {
  for (const child of liveProcesses) child.kill('SIGKILL');
  liveProcesses.clear();
}

process.on('exit', killAllLive);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllLive();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/** How a node process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** NodeProcess is one node: its id, ports, data directory, flags, and the process when running. */
export class NodeProcess {
  process: ChildProcess | undefined;
  /** The last lines the process printed (over all its runs). */
  readonly output: string[] = [];
  private exited: Promise<ProcessExit> | undefined;

  constructor(
    readonly id: string,
    readonly peerPort: number,
    readonly httpPort: number,
    readonly dataDir: string,
    /** The flags of `raftkit start` after --id, --data and the listen addresses. */
    public flags: string[],
  ) {}

  /** http is `host:port` of the node's HTTP API (and its client WebSocket API). */
  get http(): string {
    return `127.0.0.1:${this.httpPort}`;
  }

  /** peer is `host:port` of the node's peer transport. */
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
    // Nodes refuse to start without a peer secret: every test node of this run shares one.
    // A node refuses to start without a peer secret: the benchmark's nodes share one per run.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RAFTKIT_SECRET: process.env['RAFTKIT_SECRET'] ?? BENCH_SECRET } });
    liveProcesses.add(child);
    const streamsClosed = [child.stdout!, child.stderr!].map((stream) => {
      const reader = createInterface({ input: stream });
      reader.on('line', (line) => {
        this.output.push(line);
        if (this.output.length > KEPT_LINES) this.output.shift();
      });
      return new Promise<void>((resolve) => reader.once('close', resolve));
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        liveProcesses.delete(child);
        void Promise.all(streamsClosed).then(() => resolve({ code, signal }));
      }),
    );
    this.process = child;
  }

  /** start spawns the process and waits until its HTTP API answers (it opens once storage is loaded). */
  async start(timeoutMs = 60_000): Promise<void> {
    this.spawn();
    await this.waitServing(timeoutMs);
  }

  /** waitServing waits until `GET /v1/status` answers 200, failing early if the process exits. */
  async waitServing(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `${this.id} to serve HTTP`,
      async () => {
        if (!this.running) throw new Error(`${this.id} exited: ${this.output.slice(-5).join('\n')}`);
        const response = await fetch(`http://${this.http}/v1/status`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        return response.status === 200 ? true : undefined;
      },
      timeoutMs,
      20,
    );
  }

  /**
   * kill sends `signal` (SIGKILL by default) and waits for the process to exit. A process that
   * outlives `graceMs` after a gentler signal is SIGKILLed.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = 10_000): Promise<ProcessExit | undefined> {
    const exited = this.exited;
    if (this.process === undefined || exited === undefined || !this.running) return undefined;
    this.process.kill(signal);
    if (signal === 'SIGKILL') return exited;
    const process = this.process;
    const outcome = await Promise.race([exited, sleep(graceMs).then(() => undefined)]);
    if (outcome !== undefined) return outcome;
    process.kill('SIGKILL');
    return exited;
  }
}

/**
 * One real `raftkit start` process. From this repository's sources (this file is `.ts`) it runs
 * `node --conditions=@raftkit/source --import tsx src/bin.ts`, so nothing needs building; from
 * the published package it runs `dist/bin.js`.
 *
 * Every spawned process is in `liveProcesses` until it exits, and a process 'exit' handler (plus
 * SIGINT/SIGTERM handlers) SIGKILLs whatever is left: a test or benchmark that throws, or is
 * stopped with Ctrl-C, leaves no node running. (Nothing can clean up after a SIGKILL of the
 * launching process itself.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sleep, waitFor } from './wait-for.js';

/** From source the launcher runs bin.ts through tsx; built, it runs bin.js. */
const fromSource = import.meta.url.endsWith('.ts');

/** nodeArguments is what `node` runs before `start ...`: the raftkit entry point (and the loader from source). */
function nodeArguments(): string[] {
  if (!fromSource) return [fileURLToPath(new URL('../bin.js', import.meta.url))];
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--conditions=@raftkit/source', '--import', tsxLoader, fileURLToPath(new URL('../bin.ts', import.meta.url))];
}

/** How many output lines each node keeps, for error messages (a long run must not grow memory). */
const KEPT_LINES = 2000;

const liveProcesses = new Set<ChildProcess>();
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAllLive = () => {
    for (const child of liveProcesses) child.kill('SIGKILL');
    liveProcesses.clear();
  };
  process.on('exit', killAllLive);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllLive();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
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
    /** Environment variables added to the process's (the launcher puts `RAFTKIT_SECRET` here). */
    public env: Readonly<Record<string, string>> = {},
    /** Options for the `node` executable, before the script (`--cpu-prof`, say). */
    public nodeOptions: readonly string[] = [],
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
    installCleanup();
    const args = [...this.nodeOptions, ...nodeArguments(), 'start', '--id', this.id, '--data', this.dataDir, '--peer-listen', this.peer, '--http-listen', this.http, ...this.flags];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
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
  async start(timeoutMs = 120_000): Promise<void> {
    this.spawn();
    await this.waitServing(timeoutMs);
  }

  /** waitServing waits until `GET /v1/status` answers 200, failing early if the process exits. */
  async waitServing(timeoutMs = 120_000): Promise<void> {
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
   * kill sends `signal` (SIGKILL by default) and waits for the process to exit; a process that
   * outlives `graceMs` after a gentler signal is SIGKILLed. Answers how the last run ended
   * (also when it had ended already); throws for a node never started.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = 10_000): Promise<ProcessExit> {
    const exited = this.exited;
    const child = this.process;
    if (child === undefined || exited === undefined) throw new Error(`${this.id} was never started`);
    if (!this.running) return exited;
    child.kill(signal);
    if (signal === 'SIGKILL') return exited;
    const outcome = await Promise.race([exited, sleep(graceMs).then(() => undefined)]);
    if (outcome !== undefined) return outcome;
    child.kill('SIGKILL');
    return exited;
  }

  /** restart starts the node again on the same data directory, ports and flags (after a kill). */
  async restart(timeoutMs = 120_000): Promise<void> {
    if (this.running) throw new Error(`${this.id} is still running`);
    await this.start(timeoutMs);
  }

  /** waitExit waits for the running process to exit by itself. */
  async waitExit(): Promise<ProcessExit> {
    if (this.exited === undefined) throw new Error(`${this.id} was never started`);
    return this.exited;
  }
}

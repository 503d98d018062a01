/**
 * `raftkit dev [--nodes 3]`: a local cluster for trying raftkit out. It starts N `raftkit start`
 * processes (ids n1..nN, peer ports 7001+, HTTP ports 8001+, Redis-protocol ports 6379+ (n1 on
 * 6379, n2 on 6380, ...; --resp-port 0 turns RESP off), data under ./.raftkit), waits for a
 * leader, prints each node's URL and curl examples that work as printed, forwards Ctrl-C and
 * SIGTERM to the nodes, and exits once they all have.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { NodeConfigError } from './cli/errors.js';
import { cliError } from './cli/start-options.js';
import type { Output } from './cli/admin.js';
import { requestJson } from './http-client.js';

export const DEV_USAGE = `raftkit dev [--nodes 3] [--data-root ./.raftkit] [--peer-port 7001] [--http-port 8001] [--resp-port 6379] [--tick-ms 100] [--log-level warn]
`;

interface DevOptions {
  readonly nodes: number;
  readonly dataRoot: string;
  readonly peerPort: number;
  readonly httpPort: number;
  /** n1 serves RESP on this port, n2 on the next...; 0: no RESP. */
  readonly respPort: number;
  readonly tickMs: number;
  readonly logLevel: string;
}

function parseDev(argv: readonly string[], cwd: string): DevOptions {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        nodes: { type: 'string' },
        'data-root': { type: 'string' },
        'peer-port': { type: 'string' },
        'http-port': { type: 'string' },
        'resp-port': { type: 'string' },
        'tick-ms': { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw cliError(error);
  }
  const integer = (name: string, text: string | undefined, fallback: number, min: number, max: number) => {
    if (text === undefined) return fallback;
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= min && value <= max)) throw new NodeConfigError('INVALID_VALUE', `--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`);
    return value;
  };
  return {
    nodes: integer('nodes', values.nodes, 3, 1, 9),
    dataRoot: resolve(cwd, values['data-root'] ?? '.raftkit'),
    peerPort: integer('peer-port', values['peer-port'], 7001, 1, 65_000),
    httpPort: integer('http-port', values['http-port'], 8001, 1, 65_000),
    respPort: integer('resp-port', values['resp-port'], 6379, 0, 65_000),
    tickMs: integer('tick-ms', values['tick-ms'], 100, 1, 10_000),
    logLevel: values['log-level'] ?? 'warn',
  };
}

/** runDev runs the cluster until it is stopped; resolves with the exit code. */
export async function runDev(argv: readonly string[], output: Output, cwd: string): Promise<number> {
  const options = parseDev(argv, cwd);
  const ids = Array.from({ length: options.nodes }, (_, position) => `n${position + 1}`);
  const peer = (position: number) => `127.0.0.1:${options.peerPort + position}`;
  const http = (position: number) => `127.0.0.1:${options.httpPort + position}`;
  const resp = (position: number) => `127.0.0.1:${options.respPort + position}`;
  const cluster = ids.map((id, position) => `${id}=${peer(position)}`).join(',');
  // Peers authenticate even here: a fresh random secret for this run, handed to the nodes in
  // their environment (not argv, where `ps` shows it). The API stays open for the examples.
  const secret = randomBytes(32).toString('hex');
  // The same node binary and loader flags as this process (tsx and the source condition in a checkout).
  const script = process.argv[1]!;
  const children: ChildProcess[] = ids.map((id, position) => {
    const args = [
      ...childExecArgv(),
      script,
      'start',
      '--id',
      id,
      '--data',
      resolve(options.dataRoot, id),
      '--peer-listen',
      peer(position),
      '--http-listen',
      http(position),
      '--cluster',
      cluster,
      '--tick-ms',
      String(options.tickMs),
      '--log-level',
      options.logLevel,
      ...(options.respPort === 0 ? [] : ['--resp-listen', resp(position)]),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RAFTKIT_SECRET: secret, RAFTKIT_SECRET_FILE: undefined } });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => output.err(`[${id}] ${line}\n`));
    }
    return child;
  });

  const exited = Promise.all(children.map((child) => new Promise<number>((done) => child.once('exit', (code, signal) => done(code ?? (signal === null ? 1 : 0))))));
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    output.err(`\nstopping the cluster (${signal})...\n`);
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (const child of children) child.once('exit', () => (stopping ? undefined : stop('SIGTERM')));

  const leader = await waitForLeader(ids.map((_, position) => http(position)), () => stopping);
  if (leader !== undefined && !stopping) {
    const first = http(0);
    const second = http(Math.min(1, ids.length - 1));
    const last = http(ids.length - 1);
    const lines = [
      `raftkit dev: ${ids.length} node${ids.length === 1 ? '' : 's'}, data under ${options.dataRoot}, leader ${leader}`,
      '',
      ...ids.map((id, position) => `  ${id}  http://${http(position)}/   (peer ${peer(position)}${options.respPort === 0 ? '' : `, redis ${resp(position)}`})`),
      '',
      'Try (any node takes any request):',
      `  curl -X PUT --data-binary 'world' http://${first}/v1/kv/hello`,
      `  curl http://${second}/v1/kv/hello`,
      `  curl -X POST -H 'content-type: application/json' -d '{"expect":"world","value":"raft"}' http://${last}/v1/kv/hello/cas`,
      `  curl -X DELETE http://${first}/v1/kv/hello`,
      `  curl http://${first}/v1/status`,
      ...(options.respPort === 0
        ? []
        : ['', 'Or with any Redis client (writes and reads are linearizable, through any node):', `  redis-cli -p ${options.respPort} set hello world`, `  redis-cli -p ${options.respPort + Math.min(1, ids.length - 1)} get hello`]),
      '',
      'Ctrl-C stops the cluster.',
      '',
    ];
    output.out(lines.join('\n'));
  }
  const codes = await exited;
  return codes.every((code) => code === 0) ? 0 : 1;
}

/**
 * childExecArgv is this process's node flags for the children, with a bare `--import tsx` made
 * absolute: the children resolve it from their own working directory otherwise.
 */
function childExecArgv(): string[] {
  const flags = [...process.execArgv];
  let tsx: string | undefined;
  try {
    tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    return flags;
  }
  return flags.map((flag, position) => (flag === 'tsx' && flags[position - 1] === '--import' ? tsx! : flag === '--import=tsx' ? `--import=${tsx}` : flag));
}

/**
 * waitForLeader polls the nodes' status until every one of them serves and knows the same leader
 * (so the printed examples work through any node); undefined if stopped first.
 */
async function waitForLeader(addresses: readonly string[], stopped: () => boolean): Promise<string | undefined> {
  for (;;) {
    if (stopped()) return undefined;
    const leaders = await Promise.all(
      addresses.map(async (address) => {
        try {
          const answer = await requestJson('GET', `http://${address}/v1/status`, undefined, 1000);
          const leader = (answer.body as { leader?: unknown } | null)?.leader;
          return answer.status === 200 && typeof leader === 'string' ? leader : undefined;
        } catch {
          return undefined; // Not listening yet.
        }
      }),
    );
    const first = leaders[0];
    if (first !== undefined && leaders.every((leader) => leader === first)) return first;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

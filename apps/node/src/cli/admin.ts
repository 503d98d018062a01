/**
 * The admin commands: `raftkit status`, `raftkit members list|add|promote|remove`, `raftkit
 * leader transfer [--to ID]`, each against the cluster's HTTP API through `--endpoints A,B,C`
 * (each tried in order, the leader followed) or `--http ADDR` (RAFTKIT_ENDPOINTS, RAFTKIT_HTTP,
 * else 127.0.0.1:8001). They print the answer as JSON (or `-o table`) and exit 0 only on a 2xx
 * answer, 1 otherwise.
 */
import { parseArgs } from 'node:util';
import { parseEndpoints, requestAny, UnreachableError } from './endpoints.js';
import { NodeConfigError } from './errors.js';
import { formatAnswer, type OutputFormat } from './output-format.js';
import { cliError } from './start-options.js';

/** AdminRequest is the HTTP request an admin command makes. */
export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

/** Output is where commands print: stdout for answers, stderr for usage errors. */
export interface Output {
  /** out prints an answer (stdout). */
  out(text: string): void;
  /** err prints a usage error (stderr). */
  err(text: string): void;
}

/** ParsedAdmin is an admin command line, understood. */
export interface ParsedAdmin {
  /** The command's name (`members list`). */
  readonly command: string;
  readonly endpoints: readonly string[];
  readonly output: OutputFormat;
  readonly request: AdminRequest;
}

/** Membership changes may wait for a new member to catch up. */
const ADMIN_TIMEOUT_MS = 120_000;

/** endpointsOf reads --endpoints, --http, RAFTKIT_ENDPOINTS, RAFTKIT_HTTP, in that order. */
export function endpointsOf(values: { endpoints?: string | undefined; http?: string | undefined }, env: Readonly<Record<string, string | undefined>>): string[] {
  const text = values.endpoints ?? values.http ?? env['RAFTKIT_ENDPOINTS'] ?? env['RAFTKIT_HTTP'] ?? '127.0.0.1:8001';
  const endpoints = parseEndpoints(text);
  if (endpoints.length === 0) throw new NodeConfigError('MISSING_VALUE', '--endpoints names no address');
  return endpoints;
}

/** tokenOf is the API token of a node with --tokens-file: RAFTKIT_TOKEN, never a flag (it would show in `ps`). */
export function tokenOf(env: Readonly<Record<string, string | undefined>>): { token?: string } {
  const token = env['RAFTKIT_TOKEN'];
  return token === undefined || token === '' ? {} : { token };
}

/** outputOf reads -o / --output (or RAFTKIT_OUTPUT). Throws INVALID_VALUE. */
export function outputOf(value: string | undefined, env: Readonly<Record<string, string | undefined>>): OutputFormat {
  const output = value ?? env['RAFTKIT_OUTPUT'] ?? 'json';
  if (output !== 'json' && output !== 'table') throw new NodeConfigError('INVALID_VALUE', `--output must be json or table, got ${JSON.stringify(output)}`);
  return output;
}

/** parseAdmin turns an admin command line into its request. Throws NodeConfigError. */
export function parseAdmin(command: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedAdmin {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        http: { type: 'string' },
        endpoints: { type: 'string' },
        output: { type: 'string', short: 'o' },
        to: { type: 'string' },
        'peer-address': { type: 'string' },
        'http-address': { type: 'string' },
        learner: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw cliError(error);
  }
  const { values, positionals } = parsed;
  const endpoints = endpointsOf(values, env);
  const output = outputOf(values.output, env);
  const [sub, target, ...rest] = positionals;
  const none = (allowed: number) => {
    if (positionals.length > allowed) throw new NodeConfigError('UNKNOWN_FLAG', `unexpected argument ${JSON.stringify(positionals[allowed])}`);
  };
  const done = (name: string, request: AdminRequest): ParsedAdmin => ({ command: name, endpoints, output, request });
  const oneId = (name: string) => {
    if (target === undefined || rest.length > 0) throw new NodeConfigError('MISSING_VALUE', `${name} needs exactly one ID`);
    return target;
  };
  if (command === 'status') {
    none(0);
    return done('status', { method: 'GET', path: '/v1/status' });
  }
  if (command === 'members') {
    switch (sub) {
      case 'list':
        none(1);
        return done('members list', { method: 'GET', path: '/v1/members' });
      case 'add': {
        const id = oneId('members add');
        const peerAddress = values['peer-address'];
        if (peerAddress === undefined) throw new NodeConfigError('MISSING_VALUE', 'members add needs --peer-address HOST:PORT');
        const httpAddress = values['http-address'];
        return done('members add', { method: 'POST', path: '/v1/members', body: { id, peerAddress, learner: values.learner === true, ...(httpAddress === undefined ? {} : { httpAddress }) } });
      }
      case 'promote':
        return done('members promote', { method: 'POST', path: `/v1/members/${encodeURIComponent(oneId('members promote'))}/promote` });
      case 'remove':
        return done('members remove', { method: 'DELETE', path: `/v1/members/${encodeURIComponent(oneId('members remove'))}` });
      default:
        throw new NodeConfigError('UNKNOWN_COMMAND', `members ${sub ?? ''}: expected list, add, promote or remove`);
    }
  }
  if (command === 'leader') {
    if (sub !== 'transfer') throw new NodeConfigError('UNKNOWN_COMMAND', `leader ${sub ?? ''}: expected transfer`);
    none(1);
    return done('leader transfer', { method: 'POST', path: '/v1/leader/transfer', body: values.to === undefined ? {} : { to: values.to } });
  }
  throw new NodeConfigError('UNKNOWN_COMMAND', `unknown command ${JSON.stringify(command)}`);
}

/** runAdmin makes the request, prints the answer and returns the exit code (0 only on 2xx). */
export async function runAdmin(command: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, output: Output): Promise<number> {
  const parsed = parseAdmin(command, argv, env);
  try {
    const answer = await requestAny(parsed.endpoints, { ...parsed.request, timeoutMs: ADMIN_TIMEOUT_MS, ...tokenOf(env) });
    output.out(formatAnswer(parsed.output, parsed.command, answer.body));
    return answer.status >= 200 && answer.status < 300 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    output.out(formatAnswer(parsed.output, parsed.command, { error: { code: error.code, message: error.message } }));
    return 1;
  }
}

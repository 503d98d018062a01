/**
 * The admin commands: `raftkit status`, `raftkit members list|add|remove`, `raftkit leader
 * transfer [--to ID]`, each against a node's HTTP API (`--http ADDR`, or RAFTKIT_HTTP). They print
 * the answer as JSON and exit 0 only on a 2xx answer.
 */
import { parseArgs } from 'node:util';
import { baseUrl, requestJson } from '../http-client.js';
import { NodeConfigError } from './errors.js';
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

export const ADMIN_USAGE = `raftkit status                              [--http HOST:PORT]
raftkit members list                        [--http HOST:PORT]
raftkit members add ID --peer-address HOST:PORT [--http-address HOST:PORT] [--learner] [--http HOST:PORT]
raftkit members remove ID                   [--http HOST:PORT]
raftkit leader transfer [--to ID]           [--http HOST:PORT]
(--http defaults to RAFTKIT_HTTP, else 127.0.0.1:8001; an https:// URL for a node with --tls-cert)
(a node with --tokens-file needs a token: RAFTKIT_TOKEN, never on the command line)
`;

/** parseAdmin turns an admin command line into its request. Throws NodeConfigError. */
export function parseAdmin(command: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): { http: string; request: AdminRequest } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        http: { type: 'string' },
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
  const http = values.http ?? env['RAFTKIT_HTTP'] ?? '127.0.0.1:8001';
  const [sub, target, ...rest] = positionals;
  const none = (allowed: number) => {
    if (positionals.length > allowed) throw new NodeConfigError('UNKNOWN_FLAG', `unexpected argument ${JSON.stringify(positionals[allowed])}`);
  };
  if (command === 'status') {
    none(0);
    return { http, request: { method: 'GET', path: '/v1/status' } };
  }
  if (command === 'members') {
    if (sub === 'list') {
      none(1);
      return { http, request: { method: 'GET', path: '/v1/members' } };
    }
    if (sub === 'add') {
      if (target === undefined || rest.length > 0) throw new NodeConfigError('MISSING_VALUE', 'members add needs exactly one ID');
      const peerAddress = values['peer-address'];
      if (peerAddress === undefined) throw new NodeConfigError('MISSING_VALUE', 'members add needs --peer-address HOST:PORT');
      const httpAddress = values['http-address'];
      return {
        http,
        request: { method: 'POST', path: '/v1/members', body: { id: target, peerAddress, learner: values.learner === true, ...(httpAddress === undefined ? {} : { httpAddress }) } },
      };
    }
    if (sub === 'remove') {
      if (target === undefined || rest.length > 0) throw new NodeConfigError('MISSING_VALUE', 'members remove needs exactly one ID');
      return { http, request: { method: 'DELETE', path: `/v1/members/${encodeURIComponent(target)}` } };
    }
    throw new NodeConfigError('UNKNOWN_COMMAND', `members ${sub ?? ''}: expected list, add or remove`);
  }
  if (command === 'leader') {
    if (sub !== 'transfer') throw new NodeConfigError('UNKNOWN_COMMAND', `leader ${sub ?? ''}: expected transfer`);
    none(1);
    return { http, request: { method: 'POST', path: '/v1/leader/transfer', body: values.to === undefined ? {} : { to: values.to } } };
  }
  throw new NodeConfigError('UNKNOWN_COMMAND', `unknown command ${JSON.stringify(command)}`);
}

/** runAdmin makes the request, prints the answer as JSON and returns the exit code (0 only on 2xx). */
export async function runAdmin(command: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, output: Output): Promise<number> {
  const { http, request } = parseAdmin(command, argv, env);
  try {
    // Membership changes may wait for a new member to catch up.
    const token = env['RAFTKIT_TOKEN'];
    const answer = await requestJson(request.method, `${baseUrl(http)}${request.path}`, request.body, 120_000, token === undefined || token === '' ? undefined : token);
    output.out(`${JSON.stringify(answer.body, null, 2)}\n`);
    return answer.status >= 200 && answer.status < 300 ? 0 : 1;
  } catch (error) {
    output.out(`${JSON.stringify({ error: { code: 'UNREACHABLE', message: `${http}: ${(error as Error).message}` } }, null, 2)}\n`);
    return 1;
  }
}

/**
 * Talking to a cluster through several endpoints, as etcdctl does: each is tried in order; one
 * that cannot be reached, or answers 503 (not a member, no leader, shutting down: certainly not
 * done), is passed over. When an answer names the leader (`X-Raft-Leader`) and its HTTP address
 * is known (`GET /v1/members`), the leader is asked next.
 */
import { baseUrl } from '../http-client.js';

/** EndpointAnswer is the answer that ended the tries and who gave it. */
export interface EndpointAnswer {
  readonly endpoint: string;
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body, or the text when it is not JSON. */
  readonly body: unknown;
}

/** EndpointRequest is one HTTP request to send. */
export interface EndpointRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly timeoutMs: number;
  /** API token (`Authorization: Bearer`) for a node with --tokens-file. */
  readonly token?: string;
}

/** UnreachableError: no endpoint gave a usable answer. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
  readonly code = 'UNREACHABLE';
}

/**
 * requestAny sends `request` to the endpoints in order (and to the leader when one is named) and
 * resolves with the first answer that is not a 503; a 503 is returned only if every endpoint
 * gave one. Throws UnreachableError when none answered at all.
 */
export async function requestAny(endpoints: readonly string[], request: EndpointRequest): Promise<EndpointAnswer> {
  const queue = [...endpoints];
  const tried = new Set<string>();
  const problems: string[] = [];
  let last503: EndpointAnswer | undefined;
  while (queue.length > 0) {
    const endpoint = queue.shift()!;
    if (tried.has(endpoint)) continue;
    tried.add(endpoint);
    let answer: EndpointAnswer;
    try {
      answer = await send(endpoint, request);
    } catch (error) {
      problems.push(`${endpoint}: ${(error as Error).message}`);
      continue;
    }
    if (answer.status !== 503) return answer;
    last503 = answer;
    const leader = answer.headers.get('x-raft-leader');
    if (leader !== null) {
      const address = await leaderAddress(endpoint, leader, request.token).catch(() => undefined);
      if (address !== undefined && !tried.has(address)) queue.unshift(address);
    }
  }
  if (last503 !== undefined) return last503;
  throw new UnreachableError(`no endpoint answered: ${problems.join('; ')}`);
}

async function send(endpoint: string, request: EndpointRequest): Promise<EndpointAnswer> {
  const response = await fetch(`${baseUrl(endpoint)}${request.path}`, {
    method: request.method,
    headers: { ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...(request.token === undefined ? {} : { authorization: `Bearer ${request.token}` }) },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { endpoint, status: response.status, headers: response.headers, body };
}

/** leaderAddress asks `endpoint` for the HTTP address of `leader`. */
async function leaderAddress(endpoint: string, leader: string, token: string | undefined): Promise<string | undefined> {
  const answer = await send(endpoint, { method: 'GET', path: '/v1/members', timeoutMs: 5000, ...(token === undefined ? {} : { token }) });
  const addresses = (answer.body as { httpAddresses?: Record<string, unknown> } | null)?.httpAddresses;
  const address = addresses?.[leader];
  return typeof address === 'string' ? address : undefined;
}

/** parseEndpoints splits `a,b,c`, dropping blanks. */
export function parseEndpoints(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

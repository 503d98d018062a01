import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestAny, UnreachableError } from './endpoints.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** serve starts a loopback server answering with `answer` and returns `host:port`, recording the Authorization headers it saw. */
async function serve(answer: (path: string) => { status: number; headers?: Record<string, string>; body: unknown }, seen: string[] = []): Promise<string> {
  const server = createServer((request, response) => {
    seen.push(`${request.url} ${request.headers.authorization ?? '-'}`);
    const { status, headers, body } = answer(request.url ?? '/');
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function deadAddress(): Promise<string> {
  const address = await serve(() => ({ status: 200, body: null }));
  await new Promise((resolve) => servers.pop()!.close(resolve));
  return address;
}

describe('requestAny', () => {
  it('passes over an endpoint that does not answer and one that answers 503, and returns the first real answer', async () => {
    const dead = await deadAddress();
    const busy = await serve(() => ({ status: 503, body: { error: { code: 'NO_LEADER', message: 'election' } } }));
    const good = await serve(() => ({ status: 200, body: { id: 'n3' } }));
    const answer = await requestAny([dead, busy, good], { method: 'GET', path: '/v1/status', timeoutMs: 5000 });
    expect({ endpoint: answer.endpoint, status: answer.status, body: answer.body }).toEqual({ endpoint: good, status: 200, body: { id: 'n3' } });
  });

  it('follows the leader a 503 names, found through GET /v1/members, and sends the token everywhere', async () => {
    const seen: string[] = [];
    const leader = await serve(() => ({ status: 200, body: { index: 9 } }), seen);
    const follower = await serve((path) => (path === '/v1/members' ? { status: 200, body: { httpAddresses: { n1: leader } } } : { status: 503, headers: { 'x-raft-leader': 'n1' }, body: { error: { code: 'NOT_MEMBER', message: 'x' } } }), seen);
    const other = await serve(() => ({ status: 500, body: null }), seen);
    const answer = await requestAny([follower, other], { method: 'POST', path: '/v1/leader/transfer', body: {}, timeoutMs: 5000, token: 'secret-token' });
    expect(answer.endpoint).toBe(leader);
    expect(seen).toEqual(['/v1/leader/transfer Bearer secret-token', '/v1/members Bearer secret-token', '/v1/leader/transfer Bearer secret-token']);
  });

  it('returns the last 503 when every endpoint says "not now", and throws UnreachableError when none answers', async () => {
    const busy = await serve(() => ({ status: 503, body: { error: { code: 'NO_LEADER', message: 'election' } } }));
    expect((await requestAny([busy], { method: 'GET', path: '/v1/status', timeoutMs: 5000 })).status).toBe(503);
    await expect(requestAny([await deadAddress()], { method: 'GET', path: '/v1/status', timeoutMs: 5000 })).rejects.toBeInstanceOf(UnreachableError);
  });
});

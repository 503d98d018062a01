/**
 * The HTTP API of docs/architecture.md against three real `raftkit start` processes: election, writes and
 * linearizable reads through any node, CAS, Idempotency-Key, the documented 4xx answers, and the
 * endpoints for operators.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, status, TestCluster, waitFor, type NodeProcess } from './support/cluster.js';

let cluster: TestCluster;
let leader: NodeProcess;

beforeAll(async () => {
  cluster = await TestCluster.start(['n1', 'n2', 'n3'], { flags: { 'max-body': '1024', secret: 'e2e-secret' } });
  leader = (await cluster.waitForLeader()).leader;
});

afterAll(async () => {
  await cluster?.destroy();
});

const followers = () => cluster.nodes.filter((node) => node !== leader);

describe('a 3-node cluster over HTTP', () => {
  it('elects one leader that every node reports, in the same term, with all three as voters', async () => {
    const statuses = await Promise.all(cluster.nodes.map((node) => status(node)));
    expect(statuses.map((body) => body.role).sort()).toEqual(['follower', 'follower', 'leader']);
    expect(new Set(statuses.map((body) => body.leader))).toEqual(new Set([leader.id]));
    expect(new Set(statuses.map((body) => body.term)).size).toBe(1);
    for (const body of statuses) {
      expect(body.members).toEqual({ voters: ['n1', 'n2', 'n3'], learners: [], outgoing: [] });
      expect(body.unresponsive).toEqual([]);
    }
  });

  it('a PUT acknowledged through any node is seen by a linearizable GET through every other node at once', async () => {
    for (const writer of cluster.nodes) {
      const key = `written-through-${writer.id}`;
      const put = await call(writer, 'PUT', `/v1/kv/${key}`, { body: `value from ${writer.id}` });
      expect(put.status).toBe(200);
      const { index } = put.json as { index: number };
      expect(index).toBeGreaterThan(1);
      // No waiting: a read that arrives after the acknowledgement must see the write.
      for (const reader of cluster.nodes.filter((node) => node !== writer)) {
        const get = await call(reader, 'GET', `/v1/kv/${key}`);
        expect(get.status).toBe(200);
        expect(get.text).toBe(`value from ${writer.id}`);
        expect(get.headers.get('content-type')).toBe('application/octet-stream');
        expect(Number(get.headers.get('x-raft-index'))).toBeGreaterThanOrEqual(index);
      }
    }
  });

  it('values are bytes: a binary body comes back byte for byte', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, position) => position);
    const put = await call(followers()[0]!, 'PUT', '/v1/kv/binary', { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(put.status).toBe(200);
    const response = await fetch(`http://${followers()[1]!.http}/v1/kv/binary`);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it('DELETE answers 200 with its index, also for an absent key, and the key is gone everywhere', async () => {
    const [first, second] = followers();
    expect((await call(first!, 'PUT', '/v1/kv/doomed', { body: 'x' })).status).toBe(200);
    const removed = await call(second!, 'DELETE', '/v1/kv/doomed');
    expect(removed.status).toBe(200);
    expect((removed.json as { index: number }).index).toBeGreaterThan(0);
    const absent = await call(leader, 'DELETE', '/v1/kv/never-there');
    expect(absent.status).toBe(200);
    expect((absent.json as { index: number }).index).toBe((removed.json as { index: number }).index + 1);
    for (const node of cluster.nodes) {
      const get = await call(node, 'GET', '/v1/kv/doomed');
      expect(get.status).toBe(404);
      expect(get.json).toEqual({ error: { code: 'KEY_NOT_FOUND', message: 'no key "doomed"' } });
      expect(Number(get.headers.get('x-raft-index'))).toBeGreaterThanOrEqual((removed.json as { index: number }).index);
    }
  });

  it('CAS answers 200 when the expectation holds and 409 with the current value when not', async () => {
    const node = followers()[0]!;
    const create = await call(node, 'POST', '/v1/kv/cas-key/cas', { body: JSON.stringify({ expect: null, value: 'one' }) });
    expect(create.status).toBe(200);
    expect(create.json).toMatchObject({ ok: true });
    const again = await call(leader, 'POST', '/v1/kv/cas-key/cas', { body: JSON.stringify({ expect: null, value: 'two' }) });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ ok: false, current: 'one' });
    const swap = await call(followers()[1]!, 'POST', '/v1/kv/cas-key/cas', { body: JSON.stringify({ expect: 'one', value: 'two', ignored: true }) });
    expect(swap.status).toBe(200);
    expect((await call(node, 'GET', '/v1/kv/cas-key')).text).toBe('two');
  });

  it('Idempotency-Key: a retry through another node gets the first answer and is not applied again', async () => {
    const [first, second] = followers();
    const headers = { 'idempotency-key': 'put-once-1' };
    const original = await call(first!, 'PUT', '/v1/kv/idempotent', { body: 'first', headers });
    expect(original.status).toBe(200);
    // Another write moves the key on; a re-applied retry would move it back.
    expect((await call(leader, 'PUT', '/v1/kv/idempotent', { body: 'second' })).status).toBe(200);
    const retry = await call(second!, 'PUT', '/v1/kv/idempotent', { body: 'first', headers });
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual(original.json);
    expect((await call(first!, 'GET', '/v1/kv/idempotent')).text).toBe('second');

    // CAS is not idempotent by nature: without the key, a retry would answer 409.
    const casHeaders = { 'idempotency-key': 'cas-once-1' };
    const body = JSON.stringify({ expect: null, value: 'created' });
    const cas = await call(first!, 'POST', '/v1/kv/cas-idempotent/cas', { body, headers: casHeaders });
    expect(cas.status).toBe(200);
    const casRetry = await call(leader, 'POST', '/v1/kv/cas-idempotent/cas', { body, headers: casHeaders });
    expect(casRetry.status).toBe(200);
    expect(casRetry.json).toEqual(cas.json);
  });

  it('an Idempotency-Key reused with another request is 422 and changes nothing', async () => {
    const headers = { 'idempotency-key': 'reused-key' };
    expect((await call(leader, 'PUT', '/v1/kv/reuse', { body: 'a', headers })).status).toBe(200);
    const reused = await call(followers()[0]!, 'PUT', '/v1/kv/reuse', { body: 'b', headers });
    expect(reused.status).toBe(422);
    expect((reused.json as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const otherKey = await call(followers()[1]!, 'PUT', '/v1/kv/another-key', { body: 'a', headers });
    expect(otherKey.status).toBe(422);
    expect((await call(leader, 'GET', '/v1/kv/reuse')).text).toBe('a');
    expect((await call(leader, 'GET', '/v1/kv/another-key')).status).toBe(404);
  });

  it('bad input gets the documented 4xx with a JSON error, and the node keeps serving', async () => {
    const node = followers()[0]!;
    const cases: [string, string, string | undefined, number, string][] = [
      ['POST', '/v1/kv/a/cas', '{not json', 400, 'BAD_REQUEST'],
      ['POST', '/v1/kv/a/cas', '{"expect":1,"value":"x"}', 400, 'BAD_REQUEST'],
      ['PUT', '/v1/kv/', 'x', 400, 'BAD_REQUEST'],
      ['PUT', `/v1/kv/${'k'.repeat(1025)}`, 'x', 400, 'BAD_REQUEST'],
      ['PUT', '/v1/kv/%E0%A4%A', 'x', 400, 'BAD_REQUEST'],
      ['GET', '/v1/nothing-here', undefined, 404, 'NOT_FOUND'],
      // A known path asked with a method it does not serve: 405 (with Allow, checked in security.e2e).
      ['POST', '/v1/kv/a', 'x', 405, 'METHOD_NOT_ALLOWED'],
      ['GET', '/v1/kv/missing-key', undefined, 404, 'KEY_NOT_FOUND'],
      ['PUT', '/v1/kv/too-big', 'x'.repeat(1025), 413, 'TOO_LARGE'],
      ['POST', '/v1/members', '[]', 400, 'BAD_REQUEST'],
    ];
    for (const [method, path, body, expected, code] of cases) {
      const answer = await call(node, method, path, body === undefined ? {} : { body });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: expected });
      expect((answer.json as { error: { code: string; message: string } }).error).toEqual({ code, message: expect.any(String) });
    }
    // A key of exactly 1024 bytes and a body of exactly --max-body are fine.
    expect((await call(node, 'PUT', `/v1/kv/${'k'.repeat(1024)}`, { body: 'x'.repeat(1024) })).status).toBe(200);
    const after = await call(node, 'PUT', '/v1/kv/still-serving', { body: 'yes' });
    expect(after.status).toBe(200);
    expect((await call(leader, 'GET', '/v1/kv/still-serving')).text).toBe('yes');
  });

  it('a chunked body that grows past --max-body is refused with 413 and its connection closed', async () => {
    const node = followers()[0]!;
    const [host, port] = node.http.split(':') as [string, string];
    // No content-length: the node learns the size only as the chunks arrive. The body is never
    // ended, so the answer can only come from the node refusing it part way.
    const answer = await new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest({ host, port: Number(port), method: 'PUT', path: '/v1/kv/chunked-too-big', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: Buffer.concat(parts).toString() });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.write('x'.repeat(600));
      req.write('x'.repeat(600));
    });
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe('close');
    expect((JSON.parse(answer.body) as { error: { code: string } }).error.code).toBe('TOO_LARGE');
    expect((await call(leader, 'GET', '/v1/kv/chunked-too-big')).status).toBe(404);
    // A chunked body within the limit is read whole.
    const fits = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host, port: Number(port), method: 'PUT', path: '/v1/kv/chunked-fits', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write('a'.repeat(500));
      req.write('b'.repeat(524));
      req.end();
    });
    expect(fits).toBe(200);
    expect((await call(leader, 'GET', '/v1/kv/chunked-fits')).text).toBe('a'.repeat(500) + 'b'.repeat(524));
  });

  it('a client that hangs up in the middle of its body gets no write, and no error in the log', async () => {
    const node = followers()[0]!;
    const [host, port] = node.http.split(':') as [string, string];
    const answered400 = async (): Promise<number> => {
      const metrics = (await call(node, 'GET', '/metrics')).text;
      const line = metrics.split('\n').find((each) => each.startsWith('raftkit_http_requests_total{') && each.includes('method="PUT"') && each.includes('status="400"'));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const before = await answered400();
    for (let attempt = 0; attempt < 3; attempt++) {
      await new Promise<void>((resolve) => {
        const req = httpRequest({ host, port: Number(port), method: 'PUT', path: `/v1/kv/cut-short-${attempt}`, headers: { 'transfer-encoding': 'chunked' } });
        req.on('error', () => resolve());
        // Once the headers and part of the body are in the kernel, the node reads them before the close.
        req.write('x'.repeat(100), () => {
          req.destroy();
          resolve();
        });
      });
    }
    // The node answered each one (to nobody) as a bad request: a client's doing, not the node's.
    await waitFor('the three cut-short requests to be answered 400', async () => ((await answered400()) >= before + 3 ? true : undefined), 10_000);
    expect(node.output.filter((line) => line.includes('cut-short-'))).toEqual([]);
    expect((await call(leader, 'GET', '/v1/kv/cut-short-0')).status).toBe(404);
  });

  it('a percent-encoded key is one segment: a/b and a%2Fb are the same key, distinct from a', async () => {
    expect((await call(leader, 'PUT', '/v1/kv/a%2Fb', { body: 'slash' })).status).toBe(200);
    expect((await call(followers()[0]!, 'GET', '/v1/kv/a%2Fb')).text).toBe('slash');
    expect((await call(followers()[0]!, 'GET', '/v1/kv/a')).status).toBe(404);
  });

  it('?stale=true answers from the local state, which catches up with the leader', async () => {
    const put = await call(leader, 'PUT', '/v1/kv/stale-key', { body: 'fresh' });
    const { index } = put.json as { index: number };
    const follower = followers()[0]!;
    // A stale read may lag: wait until the follower applied the write, then it must serve it locally.
    await waitFor(`${follower.id} to apply ${index}`, async () => ((await status(follower)).appliedIndex >= index ? true : undefined));
    const stale = await call(follower, 'GET', '/v1/kv/stale-key?stale=true');
    expect(stale.status).toBe(200);
    expect(stale.text).toBe('fresh');
    expect(Number(stale.headers.get('x-raft-index'))).toBeGreaterThanOrEqual(index);
  });

  it('serves /v1/members, /metrics and the status page', async () => {
    const members = await call(followers()[0]!, 'GET', '/v1/members');
    expect(members.status).toBe(200);
    expect(members.json).toMatchObject({ leader: leader.id, voters: ['n1', 'n2', 'n3'], learners: [], outgoing: [] });
    expect((members.json as { peerAddresses: Record<string, string> }).peerAddresses).toEqual(Object.fromEntries(cluster.nodes.map((node) => [node.id, node.peer])));
    const metrics = await call(leader, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(/^raftkit_role\{(?=[^}]*role="leader")[^}]*\} 1$/m);
    expect(metrics.text).toMatch(/^raftkit_proposals_total\{(?=[^}]*outcome="OK")[^}]*\} [1-9]\d*$/m);
    expect(metrics.text).toMatch(/^raftkit_http_request_duration_seconds_count\{(?=[^}]*method="PUT")(?=[^}]*route="\/v1\/kv\/:key")[^}]*\} [1-9]\d*$/m);
    const page = await call(followers()[1]!, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain(`raftkit node ${followers()[1]!.id}`);
  });

  it('refuses a peer of another cluster at the handshake, and keeps serving', async () => {
    const target = cluster.node('n1');
    // "a1" sorts before "n1", so it dials n1 itself, with the cluster id of its own --cluster.
    const intruder = await cluster.newNode('a1', { cluster: `a1=127.0.0.1:1,n1=${target.peer}`, secret: 'e2e-secret' });
    await intruder.start();
    const refusal = await waitFor('n1 to refuse a1', () => target.output.find((line) => line.includes('refused connection from a1')));
    expect(JSON.parse(refusal)).toMatchObject({ peer: 'a1', reason: 'wrong-cluster' });
    // The intruder can never win an election (n1 never answers it): it knows no leader.
    const own = await status(intruder);
    expect([own.leader, own.role === 'leader']).toEqual([null, false]);
    expect((await status(target)).members.voters).toEqual(['n1', 'n2', 'n3']);
    expect((await call(target, 'PUT', '/v1/kv/after-intruder', { body: 'fine' })).status).toBe(200);
  });
});

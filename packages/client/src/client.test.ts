import { describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  ClusterUnavailableError,
  NoLeaderError,
  OutcomeUnknownError,
  RequestRejectedError,
  TimeoutError,
  type RejectionCode,
} from './errors.js';
import { createFakeStore, unusedAddress } from './test-support/fake-node.js';
import { connected, fakeNode, testClient } from './test-support/harness.js';

/**
 * For calls that should end "certainly not applied": with retry.maxMs 100 a write sends no retry
 * in the last 50 ms of its deadline, so no attempt is cut off unanswered by the deadline.
 */
const CERTAIN_RETRY = { minMs: 5, maxMs: 100 };

describe('sessions', () => {
  it('says hello first on each connection, with its client id and protocol version 1', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address], clientId: 'client-a' });

    await client.kv.put('k', 'v');

    expect(node.requests[0]).toEqual({ id: 1, type: 'hello', clientId: 'client-a', protocolVersion: 1 });
    expect(node.requests[1]).toMatchObject({ id: 2, type: 'command' });
  });

  it('stamps each command with the client id and the next sequence, 1, 2, 3', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address], clientId: 'client-a' });

    await client.kv.put('a', '1');
    await client.kv.delete('a');
    await client.kv.cas('a', null, '2');

    expect(node.requestsOf('command').map((request) => request.session)).toEqual([
      { clientId: 'client-a', sequence: 1 },
      { clientId: 'client-a', sequence: 2 },
      { clientId: 'client-a', sequence: 3 },
    ]);
  });

  it('defaults the client id to a random UUID', () => {
    const first = testClient({ nodes: ['127.0.0.1:1'] });
    const second = testClient({ nodes: ['127.0.0.1:1'] });

    expect(first.clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.clientId).not.toBe(first.clientId);
  });
});

describe('session rules (sequence 1 starts a session)', () => {
  it('runs the first command alone: concurrent first commands wait until sequence 1 applied', async () => {
    const node = await fakeNode();
    node.next({ kind: 'delay', ms: 30 });
    const client = testClient({ nodes: [node.address], clientId: 'c' });

    const results = await Promise.all([client.kv.put('a', '1'), client.kv.put('b', '2'), client.kv.put('c', '3')]);

    expect(results).toEqual([{ index: 1 }, { index: 2 }, { index: 3 }]);
    expect(node.requestsOf('command').map((request) => request.session.sequence)).toEqual([1, 2, 3]);
    expect(node.maxPendingCommands).toBe(1);
  });

  it('gives sequence 1 to the next command when the first one certainly did not apply', async () => {
    const node = await fakeNode();
    node.refuse = { code: 'NO_LEADER', retryAfterMs: 5 };
    const client = testClient({ nodes: [node.address], clientId: 'c', deadlineMs: 200, retry: CERTAIN_RETRY });
    await connected(client);
    await expect(client.kv.put('k', 'first')).rejects.toBeInstanceOf(NoLeaderError);
    node.refuse = undefined;

    expect(await client.kv.put('k', 'second')).toEqual({ index: 1 });
    expect(node.store.applications.map((application) => application.session)).toEqual([{ clientId: 'c', sequence: 1 }]);
    expect(client.clientId).toBe('c');
  });

  it('starts a new session under a new client id when the first command outcome is unknown', async () => {
    const node = await fakeNode();
    node.refuse = { code: 'OUTCOME_UNKNOWN', retryAfterMs: 5 };
    const client = testClient({ nodes: [node.address], clientId: 'c', deadlineMs: 200 });
    await connected(client);
    await expect(client.kv.put('k', 'first')).rejects.toBeInstanceOf(OutcomeUnknownError);
    node.refuse = undefined;

    expect(await client.kv.put('k', 'second')).toEqual({ index: 1 });
    expect(node.store.applications.map((application) => application.session)).toEqual([{ clientId: 'c.2', sequence: 1 }]);
    expect(client.clientId).toBe('c.2');
  });

  it('rejects a command refused SESSION_EXPIRED and continues under a new client id', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address], clientId: 'c' });
    await client.kv.put('k', '1');
    node.expireSession('c');

    await expect(client.kv.put('k', '2')).rejects.toMatchObject({ name: 'RequestRejectedError', code: 'SESSION_EXPIRED', certainlyNotApplied: true });
    expect(await client.kv.put('k', '3')).toEqual({ index: 2 });

    expect(node.store.applications.map((application) => application.session)).toEqual([
      { clientId: 'c', sequence: 1 },
      { clientId: 'c.2', sequence: 1 },
    ]);
    expect(await client.kv.getString('k')).toBe('3');
  });

  it('keeps at most maxInflightCommands commands in flight; the others wait for a slot', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address], maxInflightCommands: 2 });
    await client.kv.put('start', 'session');
    node.next(...Array.from({ length: 5 }, () => ({ kind: 'delay' as const, ms: 10 })));

    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => client.kv.put(key, key)));

    expect(results.map((result) => result.index)).toEqual([2, 3, 4, 5, 6]);
    expect(node.maxPendingCommands).toBe(2);
  });

  it('rejects a command still waiting for its session when the deadline passes, as certainly not applied', async () => {
    const node = await fakeNode();
    node.refuse = { code: 'NO_LEADER', retryAfterMs: 5 };
    const client = testClient({ nodes: [node.address], clientId: 'c', deadlineMs: 200, retry: CERTAIN_RETRY });
    await connected(client);

    const [first, second] = await Promise.all([client.kv.put('a', '1').catch((caught: unknown) => caught), client.kv.put('b', '2').catch((caught: unknown) => caught)]);

    expect(first).toBeInstanceOf(NoLeaderError);
    // The second got its turn when the first gave up, at about its own deadline: never applied either way.
    expect(second).toMatchObject({ certainlyNotApplied: true });
    expect(['NO_LEADER', 'TIMEOUT', 'CLUSTER_UNAVAILABLE']).toContain((second as { code: string }).code);
    expect(new Set(node.requestsOf('command').map((request) => request.session.sequence))).toEqual(new Set([1]));
    expect(node.store.applications).toHaveLength(0);
  });
});

describe('finding the leader', () => {
  it('follows a NO_LEADER answer to the leader its hint names by httpAddress', async () => {
    const store = createFakeStore();
    const follower = await fakeNode({ id: 'a', store });
    const leader = await fakeNode({ id: 'b', store });
    follower.refuse = { code: 'NO_LEADER', leader: { id: 'b', httpAddress: leader.address } };
    const client = testClient({ nodes: [follower.address] });

    expect(await client.kv.put('k', 'v')).toEqual({ index: 1 });

    expect(store.applications.map((application) => application.by)).toEqual(['b']);
    expect(follower.requestsOf('command')).toHaveLength(1);
    expect(leader.requestsOf('command')).toHaveLength(1);
    expect(leader.requestsOf('command')[0]?.session).toEqual(follower.requestsOf('command')[0]?.session);
  });

  it('moves to the leader named in a successful answer for the next call, without retrying the answered one', async () => {
    const store = createFakeStore();
    const follower = await fakeNode({ id: 'a', store });
    const leader = await fakeNode({ id: 'b', store });
    follower.leader = { id: 'b', httpAddress: leader.address };
    const client = testClient({ nodes: [follower.address] });

    await client.kv.put('first', '1');
    await client.kv.put('second', '2');

    expect(store.applications.map((application) => application.by)).toEqual(['a', 'b']);
    expect(follower.requestsOf('command')).toHaveLength(1);
  });

  it('stays on a node whose answers name itself as the leader', async () => {
    const node = await fakeNode({ id: 'a' });
    node.leader = { id: 'a', httpAddress: 'localhost:1' };
    const client = testClient({ nodes: [node.address] });

    await client.kv.put('first', '1');
    await client.kv.put('second', '2');

    expect(node.connections).toBe(1);
    expect(node.requestsOf('command')).toHaveLength(2);
  });

  it('fails over to the next node when the first one is down', async () => {
    const down = await unusedAddress();
    const node = await fakeNode({ id: 'b' });
    const client = testClient({ nodes: [down, node.address] });

    expect(await client.kv.put('k', 'v')).toEqual({ index: 1 });
    expect(node.store.applications.map((application) => application.by)).toEqual(['b']);
  });

  it('moves to the next node when one answers SHUTTING_DOWN', async () => {
    const store = createFakeStore();
    const leaving = await fakeNode({ id: 'a', store });
    const staying = await fakeNode({ id: 'b', store });
    leaving.refuse = { code: 'SHUTTING_DOWN' };
    const client = testClient({ nodes: [leaving.address, staying.address] });

    await client.kv.put('k', 'v');

    expect(store.applications.map((application) => application.by)).toEqual(['b']);
    expect(leaving.requestsOf('command')).toHaveLength(1);
  });

  it('refuses a node that speaks another protocol version and uses the next one', async () => {
    const store = createFakeStore();
    const newer = await fakeNode({ id: 'a', store, protocolVersion: 2 });
    const current = await fakeNode({ id: 'b', store });
    const client = testClient({ nodes: [newer.address, current.address] });

    await client.kv.put('k', 'v');

    expect(newer.requests.map((request) => request.type)).toEqual(['hello']);
    expect(store.applications.map((application) => application.by)).toEqual(['b']);
  });

  it('talks to a node that answers hello with BAD_REQUEST (one that predates hello)', async () => {
    const node = await fakeNode({ helloSupported: false });
    const client = testClient({ nodes: [node.address] });

    expect(await client.kv.put('k', 'v')).toEqual({ index: 1 });
  });

  it('returns the connected node status summary', async () => {
    const node = await fakeNode({ id: 'n1' });
    const client = testClient({ nodes: [node.address] });
    await client.kv.put('k', 'v');

    expect(await client.status()).toEqual({
      id: 'n1',
      role: 'leader',
      term: 1,
      leader: 'n1',
      commitIndex: 1,
      appliedIndex: 1,
      lastLogIndex: 1,
      snapshotIndex: 0,
      members: { voters: ['n1'], learners: [], outgoing: [] },
      unresponsive: [],
    });
  });
});

describe('retrying a command applies it once', () => {
  it('retries a command whose connection dropped AFTER the node applied it, with the same stamp', async () => {
    const node = await fakeNode();
    node.next({ kind: 'drop', applyFirst: true });
    const client = testClient({ nodes: [node.address], clientId: 'c' });

    expect(await client.kv.put('k', 'v')).toEqual({ index: 1 });

    const attempts = node.requestsOf('command');
    expect(attempts).toHaveLength(2);
    expect(attempts.map((request) => request.session)).toEqual([
      { clientId: 'c', sequence: 1 },
      { clientId: 'c', sequence: 1 },
    ]);
    expect(node.store.applications).toHaveLength(1);
    expect(node.connections).toBe(2);
  });

  it('retries a command whose connection dropped BEFORE the node applied it, and applies it then', async () => {
    const node = await fakeNode();
    node.next({ kind: 'drop', applyFirst: false });
    const client = testClient({ nodes: [node.address] });

    expect(await client.kv.put('k', 'v')).toEqual({ index: 1 });
    expect(node.requestsOf('command')).toHaveLength(2);
    expect(node.store.applications).toHaveLength(1);
  });

  it('retries after OUTCOME_UNKNOWN (the entry did commit) and the command is applied once', async () => {
    const node = await fakeNode();
    node.next({ kind: 'error', code: 'OUTCOME_UNKNOWN', applyFirst: true });
    const client = testClient({ nodes: [node.address] });

    expect(await client.kv.cas('k', null, 'v')).toEqual({ ok: true, current: 'v', index: 1 });

    const attempts = node.requestsOf('command');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]?.session).toEqual(attempts[0]?.session);
    expect(node.store.applications).toHaveLength(1);
  });

  it('retries after an attempt timed out (answer held back) with the same stamp, on a new connection', async () => {
    const node = await fakeNode();
    node.next({ kind: 'hold', applyFirst: true });
    const client = testClient({ nodes: [node.address], requestTimeoutMs: 300 });

    expect(await client.kv.put('k', 'v')).toEqual({ index: 1 });

    const attempts = node.requestsOf('command');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]?.session).toEqual(attempts[0]?.session);
    // Nothing arrived on the first connection after the command was sent: it is presumed dead.
    expect(node.connections).toBe(2);
    expect(node.store.applications).toHaveLength(1);
  });

  it('retries on the same connection when others answered meanwhile, and ignores the late first answer', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address], requestTimeoutMs: 100 });
    await client.kv.get('warm-up');
    node.next({ kind: 'delay', ms: 150 });

    const put = client.kv.put('k', 'v');
    await node.waitFor(() => node.requestsOf('command').length === 1);
    // Answered at once: the connection is alive although the put's answer is late.
    const get = client.kv.get('other');

    expect(await put).toEqual({ index: 1 });
    expect(await get).toBeNull();
    const [first, retry] = node.requestsOf('command');
    expect(retry?.session).toEqual(first?.session);
    expect(retry?.id).not.toBe(first?.id);
    await node.waitFor(() => node.answers.some((answer) => answer.id === first?.id));
    expect(await client.kv.getString('k')).toBe('v');
    expect(node.connections).toBe(1);
    expect(node.store.applications).toHaveLength(1);
  });

  it('keeps concurrent commands apart when the connection drops under them: each applied once', async () => {
    const node = await fakeNode({ id: 'a' });
    const client = testClient({ nodes: [node.address], clientId: 'c' });
    await client.kv.put('w', '0');
    node.next({ kind: 'hold', applyFirst: true }, { kind: 'hold', applyFirst: true }, { kind: 'drop', applyFirst: true });

    const results = await Promise.all([client.kv.put('x', '1'), client.kv.put('y', '2'), client.kv.put('z', '3')]);

    expect(results.map((result) => result.index).sort()).toEqual([2, 3, 4]);
    expect(node.store.applications.map((application) => application.session.sequence)).toEqual([1, 2, 3, 4]);
    expect(node.requestsOf('command')).toHaveLength(7);
    expect(node.connections).toBe(2);
    expect(await client.kv.getString('z')).toBe('3');
  });
});

describe('giving up at the deadline', () => {
  it('rejects with NoLeaderError when every answer until the deadline is NO_LEADER (certainly not applied)', async () => {
    const node = await fakeNode();
    node.refuse = { code: 'NO_LEADER', retryAfterMs: 5 };
    const client = testClient({ nodes: [node.address], deadlineMs: 200, clientId: 'c', retry: CERTAIN_RETRY });
    await connected(client);

    const error = await client.kv.put('k', 'v').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NoLeaderError);
    expect(error).toMatchObject({ code: 'NO_LEADER', certainlyNotApplied: true });
    const attempts = node.requestsOf('command');
    expect(attempts.length).toBeGreaterThan(1);
    expect(new Set(attempts.map((request) => request.session.sequence))).toEqual(new Set([1]));
    expect(node.store.applications).toHaveLength(0);
  });

  it('rejects with ClusterUnavailableError when no node can be reached', async () => {
    const client = testClient({ nodes: [await unusedAddress(), await unusedAddress()], deadlineMs: 200 });

    const error = await client.kv.put('k', 'v').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect(error).toMatchObject({ code: 'CLUSTER_UNAVAILABLE', certainlyNotApplied: true });
  });

  it('rejects with ClusterUnavailableError when the only node speaks another protocol version', async () => {
    const node = await fakeNode({ protocolVersion: 2 });
    const client = testClient({ nodes: [node.address], deadlineMs: 500 });

    const error = await client.kv.get('k').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as Error).message).toContain('protocol version 2');
    expect(node.requestsOf('query')).toHaveLength(0);
  });

  it('rejects a write with OutcomeUnknownError, carrying its stamp, when an attempt reached a node and no answer came', async () => {
    const node = await fakeNode();
    node.next(...Array.from({ length: 20 }, () => ({ kind: 'hold' as const, applyFirst: true })));
    const client = testClient({ nodes: [node.address], clientId: 'c', requestTimeoutMs: 60, deadlineMs: 200 });
    await connected(client);

    const error = await client.kv.put('k', 'v').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', certainlyNotApplied: false, session: { clientId: 'c', sequence: 1 } });
    expect(node.store.applications).toHaveLength(1);
  });

  it('rejects a write with OutcomeUnknownError when one attempt was uncertain and later ones said NO_LEADER', async () => {
    const node = await fakeNode();
    // A generous deadline: on a loaded machine the retry after the first answer must still happen.
    node.next({ kind: 'error', code: 'TIMEOUT' }, ...Array.from({ length: 5000 }, () => ({ kind: 'error' as const, code: 'NO_LEADER' as const, retryAfterMs: 5 })));
    const client = testClient({ nodes: [node.address], deadlineMs: 1500 });
    await connected(client);

    const error = await client.kv.put('k', 'v').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(node.requestsOf('command').length).toBeGreaterThanOrEqual(2);
  });

  it('rejects a read with TimeoutError when no answer came before the deadline', async () => {
    const node = await fakeNode();
    node.next(...Array.from({ length: 20 }, () => ({ kind: 'hold' as const, applyFirst: false })));
    const client = testClient({ nodes: [node.address], requestTimeoutMs: 60, deadlineMs: 200 });
    await connected(client);

    const error = await client.kv.get('k').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
  });

  it('retries a read whose connection dropped and answers it', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address] });
    await client.kv.put('k', 'v');
    node.next({ kind: 'drop', applyFirst: false });

    expect(await client.kv.getString('k')).toBe('v');
    expect(node.requestsOf('query')).toHaveLength(2);
  });
});

describe('answers no retry can change', () => {
  const cases: [RejectionCode, boolean][] = [
    ['BAD_REQUEST', true],
    ['TOO_LARGE', true],
    ['IDEMPOTENCY_KEY_REUSED', true],
    ['SESSION_EXPIRED', true],
    ['SESSION_RESULT_EVICTED', false],
  ];
  it.each(cases)('rejects at once on %s with RequestRejectedError keeping the code (certainlyNotApplied %s)', async (code, notApplied) => {
    const node = await fakeNode();
    node.next({ kind: 'error', code });
    const client = testClient({ nodes: [node.address] });

    const error = await client.kv.put('k', 'v').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RequestRejectedError);
    expect(error).toMatchObject({ code, certainlyNotApplied: notApplied });
    expect(node.requestsOf('command')).toHaveLength(1);
  });
});

describe('close', () => {
  it('rejects a pending write with ClientClosedError saying it may have applied', async () => {
    const node = await fakeNode();
    node.next({ kind: 'hold', applyFirst: true });
    const client = testClient({ nodes: [node.address] });

    const pending = client.kv.put('k', 'v').catch((caught: unknown) => caught);
    await node.waitFor(() => node.requestsOf('command').length === 1);
    await client.close();

    const error = await pending;
    expect(error).toBeInstanceOf(ClientClosedError);
    expect(error).toMatchObject({ code: 'CLIENT_CLOSED', certainlyNotApplied: false });
  });

  it('rejects a call waiting to connect, and any call after close, as certainly not applied', async () => {
    const client = testClient({ nodes: [await unusedAddress()], retry: { minMs: 1000, maxMs: 1000 } });

    const pending = client.kv.put('k', 'v').catch((caught: unknown) => caught);
    await client.close();

    expect(await pending).toMatchObject({ name: 'ClientClosedError', certainlyNotApplied: true });
    await expect(client.kv.get('k')).rejects.toMatchObject({ name: 'ClientClosedError', certainlyNotApplied: true });
  });
});

describe('options', () => {
  it('refuses an empty node list, a malformed address and a non-positive timeout', () => {
    expect(() => testClient({ nodes: [] })).toThrow(RangeError);
    expect(() => testClient({ nodes: ['ftp://host:1'] })).toThrow(TypeError);
    expect(() => testClient({ nodes: ['127.0.0.1:1'], requestTimeoutMs: 0 })).toThrow(RangeError);
  });
});

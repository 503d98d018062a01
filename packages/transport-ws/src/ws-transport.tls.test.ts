import type { HeartbeatMessage, NodeId } from '@raftkit/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startCluster, startNode, type TestNode } from './test-support/cluster.js';
import { createTestCertificates, type TestAuthority, type TestCertificates } from './test-support/certificates.js';
import { fakeDial } from './test-support/fake-peer.js';
import { waitUntil } from './test-support/wait.js';

// Mutual TLS between peers, with certificates this test makes with the openssl CLI.

const heartbeat = (from: NodeId, to: NodeId, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit: 0, round });

let certificates: TestCertificates;
let cluster: TestAuthority;
let foreign: TestAuthority;
beforeAll(() => {
  certificates = createTestCertificates();
  cluster = certificates.authority('cluster-ca');
  foreign = certificates.authority('foreign-ca');
});
afterAll(() => certificates.remove());

let nodes: Record<NodeId, TestNode> | TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

const tlsFor = (authority: TestAuthority, name: string) => ({ ...authority.issue(name), ca: cluster.ca });

describe('peer TLS (mutual)', () => {
  it('a node pair over mutual TLS (no secret) connects with wss:// and delivers both ways', async () => {
    const started = await startCluster(['a', 'b'], (id) => ({ tls: tlsFor(cluster, id), insecure: false }));
    nodes = started;
    const { a, b } = started as Record<'a' | 'b', TestNode>;
    a.transport.send('b', heartbeat('a', 'b', 1));
    b.transport.send('a', heartbeat('b', 'a', 2));
    await waitUntil(() => a.received.length === 1 && b.received.length === 1, 'both directions delivered over TLS');
    expect(b.received).toEqual([{ from: 'a', message: heartbeat('a', 'b', 1) }]);
    expect(a.transport.stats()).toMatchObject({ connections: 1, refused: 0 });
    expect(a.logger.lines.filter((line) => line.level === 'debug').map((line) => line.message)).toContainEqual(expect.stringMatching(/^dialing b at wss:\/\/127\.0\.0\.1:\d+\/raftkit\/peer$/));
    // Without a secret but with TLS the node is authenticated: no insecure warning.
    expect(a.logger.lines.some((line) => line.fields?.['insecure'] === true)).toBe(false);
  });

  it('TLS and a secret together: both are checked', async () => {
    const started = await startCluster(['a', 'b'], (id) => ({ tls: tlsFor(cluster, id), secret: 'both' }));
    nodes = started;
    const { a, b } = started as Record<'a' | 'b', TestNode>;
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitUntil(() => b.received.length === 1, 'delivered');
  });

  it('a client certificate from another CA is refused in the TLS handshake, before any raftkit record', async () => {
    const m = await startNode('m', { tls: tlsFor(cluster, 'm'), peers: { a: '127.0.0.1:1' } });
    nodes = [m];
    const intruder = foreign.issue('a');
    const fake = await fakeDial(`wss://${m.address}/raftkit/peer`, 'm', { id: 'a', clusterId: 'test-cluster' }, { cert: intruder.cert, key: intruder.key, ca: cluster.ca });
    // The intruder trusts the cluster CA, so only m's check of its certificate can refuse it.
    expect(fake.refusal).toBeUndefined();
    expect(fake.ws.readyState).toBe(fake.ws.CLOSED);
    await waitUntil(() => m.transport.stats().refused === 1, 'm counted the refusal');
    expect(m.transport.stats()).toMatchObject({ connections: 0, protocolErrors: 0 });
    expect(m.logger.warnings().map((line) => line.message)).toEqual([expect.stringMatching(/^refused a TLS connection from /)]);
  });

  it('a client without any certificate is refused the same way', async () => {
    const m = await startNode('m', { tls: tlsFor(cluster, 'm'), peers: { a: '127.0.0.1:1' } });
    nodes = [m];
    const fake = await fakeDial(`wss://${m.address}/raftkit/peer`, 'm', { id: 'a', clusterId: 'test-cluster' }, { ca: cluster.ca });
    expect(fake.ws.readyState).toBe(fake.ws.CLOSED);
    await waitUntil(() => m.transport.stats().refused === 1, 'm counted the refusal');
    expect(m.transport.stats().connections).toBe(0);
  });

  it('the dialer refuses an acceptor whose certificate another CA signed', async () => {
    const impostor = await startNode('b', { tls: { ...foreign.issue('b'), ca: [cluster.ca, foreign.ca] } });
    const a = await startNode('a', { tls: tlsFor(cluster, 'a'), peers: { b: impostor.address } });
    nodes = [a, impostor];
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitUntil(() => a.logger.lines.some((line) => /self[- ]signed|unable to verify|certificate/i.test(line.message)), 'a logged the failed dial');
    expect(impostor.received).toEqual([]);
    expect(a.transport.stats().connections).toBe(0);
  });

  it('with tls configured a plain ws:// peer address is never dialed', async () => {
    const plain = await startNode('b');
    const a = await startNode('a', { tls: tlsFor(cluster, 'a'), peers: { b: `ws://${plain.address}/raftkit/peer` } });
    nodes = [a, plain];
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitUntil(() => a.logger.warnings().length > 0, 'a logged why it does not dial');
    expect(a.logger.warnings()[0]!.message).toMatch(/^not dialing b at ws:\/\/.*: tls is configured/);
    expect(plain.transport.stats().connections).toBe(0);
  });
});

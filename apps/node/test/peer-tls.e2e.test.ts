/**
 * Peer mutual TLS through `raftkit start --peer-tls-cert/--peer-tls-key/--peer-tls-ca`, with
 * certificates this test makes with the openssl CLI: a node pair replicates over wss://, and a
 * peer whose certificate another CA signed is refused before any raftkit record is exchanged.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, type ClientOptions } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificates, type TestCertificates } from './support/certificates.js';
import { call, putRetrying, TestCluster, waitFor, type NodeProcess } from './support/cluster.js';

let certificates: TestCertificates;
let cluster: TestCluster | undefined;
beforeAll(() => {
  certificates = createTestCertificates();
});
afterAll(() => certificates.remove());
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

/** writePem writes `text` to a file in a temporary directory and returns its path. */
function writePem(directory: string, name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** probe dials the peer endpoint and reports whether the node ever sent a record before closing. */
async function probe(url: string, options: ClientOptions): Promise<{ opened: boolean; messages: number }> {
  const ws = new WebSocket(url, options);
  let opened = false;
  let messages = 0;
  ws.on('open', () => (opened = true));
  ws.on('message', () => messages++);
  ws.on('error', () => {});
  await new Promise<void>((resolve) => ws.once('close', () => resolve()));
  return { opened, messages };
}

describe('peer mutual TLS', () => {
  it('a node pair replicates over wss://; a certificate from another CA and a plain ws:// dial are refused before the handshake', async () => {
    const authority = certificates.authority('cluster-ca');
    const foreign = certificates.authority('foreign-ca');
    const directory = mkdtempSync(join(tmpdir(), 'raftkit-peer-tls-'));
    const ca = writePem(directory, 'ca.crt', authority.ca);
    cluster = await TestCluster.create(['n1', 'n2'], { flags: { secret: 'e2e-peer-tls', 'peer-tls-ca': ca } });
    for (const node of cluster.nodes) {
      const pem = authority.issue(node.id);
      node.flags.push('--peer-tls-cert', writePem(directory, `${node.id}.crt`, pem.cert), '--peer-tls-key', writePem(directory, `${node.id}.key`, pem.key));
    }
    await Promise.all(cluster.nodes.map((node) => node.start()));
    // Two voters: nothing commits unless the peers talk, and they can only talk over TLS.
    await cluster.waitForLeader();
    const [n1, n2] = cluster.nodes as [NodeProcess, NodeProcess];
    await putRetrying(n1, 'over-tls', 'yes');
    const read = await call(n2, 'GET', '/v1/kv/over-tls');
    expect({ status: read.status, text: read.text }).toEqual({ status: 200, text: 'yes' });

    const intruder = foreign.issue('n0');
    expect(await probe(`wss://${n1.peer}/raftkit/peer`, { cert: intruder.cert, key: intruder.key, ca: authority.ca })).toEqual(expect.objectContaining({ messages: 0 }));
    expect(await probe(`ws://${n1.peer}/raftkit/peer`, {})).toEqual({ opened: false, messages: 0 });
    // The refusal is logged by the node process; its output may reach us a moment after the probe.
    await waitFor('n1 to log the refused TLS connection', () => (n1.output.some((line) => line.includes('refused a TLS connection')) ? true : undefined), 10_000);
  });
});

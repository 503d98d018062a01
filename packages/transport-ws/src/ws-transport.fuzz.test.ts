import type { HeartbeatMessage } from '@raftkit/core';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startNode, type TestNode } from './test-support/cluster.js';
import { fakeDial, type FakeConnection } from './test-support/fake-peer.js';
import { frameBytes, fuzz, handshakeBytes } from './test-support/fuzz.js';
import { waitUntil } from './test-support/wait.js';

// Part of the CI fuzz budget (issue 10), through a real listener: generated input before the
// handshake (as a stranger) and after it (as an authenticated peer). Every input is answered by a
// closed connection with a typed code, or by delivery; the node never crashes or hangs, and it
// serves a well-behaved peer at the end.

const secret = 'fuzz-secret';
const identity = { id: 'a', clusterId: 'test-cluster', secret };
let m: TestNode;
beforeAll(async () => {
  m = await startNode('m', { secret, peers: { a: '127.0.0.1:1' }, handshakeTimeoutMs: 2000 });
});
afterAll(async () => {
  await closeAll([m]);
});

const sentinel = (round: number): HeartbeatMessage => ({ type: 'heartbeat', from: 'a', to: 'm', term: 1, commit: 0, round });

describe('peer listener fuzz (real sockets)', () => {
  it('closes every connection that sends 200 generated pre-handshake inputs, with a typed code', async () => {
    const url = `ws://${m.address}/raftkit/peer`;
    await fuzz(
      'pre-handshake',
      fc.asyncProperty(fc.array(fc.tuple(handshakeBytes, fc.boolean()), { minLength: 1, maxLength: 3 }), async (inputs) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        ws.on('error', () => {});
        const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
        ws.once('message', () => {
          for (const [bytes, binary] of inputs) if (ws.readyState === ws.OPEN) ws.send(binary ? bytes : Buffer.from(bytes).toString('latin1'), { binary });
        });
        let timer: NodeJS.Timeout | undefined;
        const code = await Promise.race([closed, new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), 10_000)))]);
        clearTimeout(timer);
        ws.terminate();
        // 4000 refused, 4001 malformed, 4003 deadline, 1006 cut off (budget), 1002/1007 ws protocol errors.
        if (code === 'hang' || ![4000, 4001, 4003, 1006, 1002, 1007, 1009].includes(code)) throw new Error(`pre-handshake input answered with ${String(code)}`);
      }),
      200,
    );
    expect(m.transport.stats().connections).toBe(0);
  });

  it('answers 300 generated frames from an authenticated peer with delivery or a typed close, and still serves afterwards', async () => {
    let connection: FakeConnection | undefined;
    let round = 1_000;
    await fuzz(
      'post-handshake',
      fc.asyncProperty(frameBytes('a', 'm'), async (bytes) => {
        if (connection === undefined || connection.ws.readyState !== connection.ws.OPEN) {
          connection = await fakeDial(`ws://${m.address}/raftkit/peer`, 'm', identity);
          if (connection.refusal !== undefined) throw new Error(`refused: ${connection.refusal}`);
        }
        const current = connection;
        const mark = ++round;
        current.sendRaw(bytes);
        // A well-formed heartbeat behind it: delivered if the connection survived the input.
        if (current.ws.readyState === current.ws.OPEN) current.sendFrame([sentinel(mark)]);
        let closeCode: number | undefined;
        void current.closed.then(({ code }) => (closeCode = code));
        await waitUntil(
          () => closeCode !== undefined || m.received.some(({ message }) => message.type === 'heartbeat' && message.round === mark),
          'the input to be answered by a close or delivery',
          10_000,
        );
        if (closeCode !== undefined && ![4001, 4004, 1009, 1002, 1007].includes(closeCode)) throw new Error(`closed with ${closeCode}`);
      }),
      300,
    );
    connection?.ws.terminate();
    const fresh = await fakeDial(`ws://${m.address}/raftkit/peer`, 'm', identity);
    fresh.sendFrame([sentinel(1)]);
    await waitUntil(() => m.received.some(({ message }) => message.type === 'heartbeat' && message.round === 1), 'a clean peer is served after the fuzz');
    await waitUntil(() => m.transport.stats().openConnections === 1, 'only the clean connection stays open');
    expect(m.transport.stats().queuedBytes).toBe(0);
    fresh.ws.terminate();
  });
});

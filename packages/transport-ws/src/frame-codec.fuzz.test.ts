import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeValue } from './frame-codec.js';
import { checkHello, createNonce, parseHandshake } from './handshake.js';
import { frameBytes, fuzz, handshakeBytes } from './test-support/fuzz.js';

// Part of the CI fuzz budget (issue 10), run in-process against the functions every received
// WebSocket message goes through: 12,000 frames after the handshake and 5,000 records before it.
// ws-transport.fuzz.test.ts sends a smaller number through real sockets.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** heapAfterGc is the heap in use once garbage is collected. */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('frame decoding fuzz', () => {
  it('decodeFrame answers 2 × 6,000 generated frames with messages or a typed refusal, and memory does not grow with the count', async () => {
    const outcomes = { ok: 0, 'malformed-frame': 0, 'invalid-message': 0 };
    const property = fc.property(frameBytes('a', 'm'), (bytes) => {
      const decoded = decodeFrame(bytes, 'a', 'm');
      if (decoded.ok) {
        outcomes.ok++;
        for (const message of decoded.messages) if (message.from !== 'a' || message.to !== 'm') throw new Error('delivered a message not from the peer to this node');
      } else {
        outcomes[decoded.refusal]++;
        if (typeof decoded.reason !== 'string' || decoded.reason === '') throw new Error('a refusal without a reason');
      }
    });
    await fuzz('decodeFrame (first half)', property, 6_000);
    const before = heapAfterGc();
    await fuzz('decodeFrame (second half)', property, 6_000);
    const after = heapAfterGc();
    expect(after - before).toBeLessThan(16 * 1024 * 1024);
    expect(Object.values(outcomes).every((count) => count > 50)).toBe(true);
  });

  it('the handshake path answers 5,000 generated records with a record or a refusal, never a throw', async () => {
    await fuzz(
      'handshake records',
      fc.property(handshakeBytes, (bytes) => {
        let value: unknown;
        try {
          value = decodeValue(bytes);
        } catch {
          return; // PeerConnection closes on an undecodable record
        }
        const record = parseHandshake(value);
        if (record?.kind === 'hello') {
          const reason = checkHello(record, { self: 'm', clusterId: 'test-cluster', secret: 's', nonce: createNonce(), isPeer: (id) => id === 'a' });
          // Without the secret no generated hello can be accepted.
          if (reason === undefined) throw new Error('a generated hello was accepted');
        }
      }),
      5_000,
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz } from '../raft/test-support/fuzz.js';
import type { InstallSnapshotMessage } from '../raft/types.js';
import { SnapshotReceiver } from './snapshot-receiver.js';

// Part of the CI fuzz budget (issue 10): chunk sequences a leader (or an attacker that got past
// authentication) could send, reordered, duplicated, far apart, from several senders and terms.
// The receiver never throws, never holds more than maxAheadBytes past a gap, and what it
// completes is exactly the bytes up to the final message's offset.

const MAX_AHEAD = 64;
const snapshot = Uint8Array.from({ length: 200 }, (_, index) => index);

const chunk = fc.record({
  from: fc.constantFrom('a', 'b'),
  term: fc.constantFrom(3, 4),
  index: fc.constantFrom(40, 41),
  // Offsets inside the snapshot most of the time, sometimes far past it.
  offset: fc.oneof({ weight: 6, arbitrary: fc.nat({ max: 200 }) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 40, Number.MAX_SAFE_INTEGER - 1, 10_000) }),
  length: fc.nat({ max: 48 }),
  done: fc.boolean(),
  // A chunk carries the snapshot's bytes at its offset, or foreign bytes (another leader's).
  honest: fc.boolean(),
});

type GeneratedChunk = typeof chunk extends fc.Arbitrary<infer Value> ? Value : never;

const toMessage = (generated: GeneratedChunk): InstallSnapshotMessage => {
  const start = Math.min(generated.offset, snapshot.byteLength);
  const data = generated.done ? new Uint8Array(0) : generated.honest ? snapshot.subarray(start, start + generated.length) : new Uint8Array(generated.length).fill(0xee);
  return {
    type: 'installSnapshot',
    from: generated.from,
    to: 'z',
    term: generated.term,
    meta: { index: generated.index, term: 2, config: { voters: ['a', 'b', 'z'], outgoingVoters: [], learners: [] } },
    offset: generated.offset,
    data,
    done: generated.done,
  };
};

describe('SnapshotReceiver fuzz', () => {
  it('takes 10,000 generated chunk sequences without a throw, within its bounds, completing only whole snapshots', () => {
    let completed = 0;
    fuzz(
      'SnapshotReceiver',
      fc.property(fc.array(chunk, { minLength: 1, maxLength: 40 }), (sequence) => {
        const receiver = new SnapshotReceiver({ maxAheadBytes: MAX_AHEAD, maxSnapshotBytes: 1024 });
        for (const generated of sequence) {
          const message = toMessage(generated);
          const { acknowledgement, complete } = receiver.receive(message, message.term);
          // Plain checks, not expect(): this loop runs a few hundred thousand times.
          if (receiver.aheadHeldBytes > MAX_AHEAD) throw new Error(`${receiver.aheadHeldBytes} bytes held past a gap`);
          if (receiver.heldBytes > 1024 + MAX_AHEAD) throw new Error(`${receiver.heldBytes} bytes held`);
          if (acknowledgement !== undefined && (acknowledgement.to !== message.from || acknowledgement.index !== message.meta.index)) throw new Error('acknowledged to the wrong sender or snapshot');
          if (complete !== undefined) {
            completed++;
            const total = complete.chunks.reduce((sum, part) => sum + part.byteLength, 0);
            if (total !== complete.final.offset) throw new Error(`completed ${total} bytes for a snapshot of ${complete.final.offset}`);
          }
        }
      }),
      10_000,
    );
    expect(completed).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { InstallSnapshotMessage } from '../raft/types.js';
import { SnapshotReceiver } from './snapshot-receiver.js';

const config = { voters: ['a', 'b', 'c'], outgoingVoters: [], learners: [] };
const bytes = new TextEncoder().encode('0123456789abcdefghij'); // 20 bytes: chunks of 8, 8, 4

function message(offset: number, options: { done?: boolean; from?: string; term?: number; index?: number } = {}): InstallSnapshotMessage {
  const done = options.done ?? false;
  return {
    type: 'installSnapshot',
    from: options.from ?? 'a',
    to: 'b',
    term: options.term ?? 3,
    meta: { index: options.index ?? 40, term: 2, config },
    offset,
    data: done ? new Uint8Array(0) : bytes.subarray(offset, Math.min(offset + 8, bytes.length)),
    done,
  };
}

const text = (chunks: readonly Uint8Array[]) => chunks.map((chunk) => new TextDecoder().decode(chunk)).join('');

describe('SnapshotReceiver', () => {
  it('assembles chunks that arrive reordered and duplicated, the final message first, and acknowledges the contiguous bytes', () => {
    const receiver = new SnapshotReceiver();
    // Found by @raftkit/sim (membership seed 226): the transport reorders, and a receiver that
    // refused every out-of-order chunk made the transfer restart forever.
    const order = [message(20, { done: true }), message(8), message(16), message(8), message(0)];
    const results = order.map((arrived) => receiver.receive(arrived, 3));
    expect(results.map((result) => result.acknowledgement?.offset)).toEqual([undefined, 0, 0, 0, 20]);
    expect(results.map((result) => result.acknowledgement?.success)).toEqual([undefined, true, true, true, true]);
    expect(results.slice(0, 4).every((result) => result.complete === undefined)).toBe(true);
    expect(results[4]!.complete!.final).toBe(order[0]);
    expect(text(results[4]!.complete!.chunks)).toBe('0123456789abcdefghij');
  });

  it('completes in order when the final message comes last, and a restarted transfer continues where it stood', () => {
    const receiver = new SnapshotReceiver();
    expect(receiver.receive(message(0), 3).acknowledgement?.offset).toBe(8);
    // The sender stalled and starts over from offset 0: a duplicate; the chunk after it continues.
    expect(receiver.receive(message(0), 3).acknowledgement?.offset).toBe(8);
    expect(receiver.receive(message(8), 3).acknowledgement?.offset).toBe(16);
    expect(receiver.receive(message(16), 3)).toMatchObject({ acknowledgement: { offset: 20 }, complete: undefined });
    const done = receiver.receive(message(20, { done: true }), 3);
    expect(done.acknowledgement).toBeUndefined();
    expect(text(done.complete!.chunks)).toBe('0123456789abcdefghij');
  });

  it('never mixes the bytes of two transfers: another leader, term or snapshot starts over', () => {
    const receiver = new SnapshotReceiver();
    receiver.receive(message(0, { term: 3 }), 3);
    // The same snapshot streamed by a leader of a later term: its bytes may differ, so the held chunk goes.
    expect(receiver.receive(message(8, { term: 4 }), 4).acknowledgement?.offset).toBe(0);
    expect(receiver.receive(message(16, { term: 4 }), 4).acknowledgement?.offset).toBe(0);
    expect(receiver.receive(message(20, { term: 4, done: true }), 4).complete).toBeUndefined();
    const whole = receiver.receive(message(0, { term: 4 }), 4);
    expect(whole.acknowledgement?.offset).toBe(20);
    expect(text(whole.complete!.chunks)).toBe('0123456789abcdefghij');
    // A late copy of a chunk after completion starts a partial transfer that completes nothing.
    expect(receiver.receive(message(0, { term: 4 }), 4)).toMatchObject({ acknowledgement: { offset: 8 }, complete: undefined });
  });

  it('bounds what far-apart chunks can make it hold: fifteen 8 MiB chunks at far offsets stay within maxAheadBytes (on main: all held)', () => {
    const receiver = new SnapshotReceiver();
    const big = new Uint8Array(8 * 1024 * 1024); // one buffer, sent fifteen times: the test allocates 8 MiB, not 120
    const far = (position: number): InstallSnapshotMessage => ({ ...message(0), offset: 1 + position * 100 * 1024 * 1024, data: big });
    for (let position = 0; position < 15; position++) receiver.receive(far(position), 3);
    // Only the first chunk is within 64 MiB of the contiguous bytes (0); the others are dropped.
    expect(receiver.heldBytes).toBe(big.byteLength);
    expect(receiver.dropped).toBe(14);
  });

  it('drops a chunk that would take the bytes held past a gap over maxAheadBytes, and completes once the sender resends it', () => {
    const receiver = new SnapshotReceiver({ maxAheadBytes: 10 });
    expect(receiver.receive(message(8), 3).acknowledgement?.offset).toBe(0);
    expect(receiver.receive(message(16), 3).acknowledgement?.offset).toBe(0); // 8 + 4 > 10: dropped
    expect(receiver.heldBytes).toBe(8);
    expect(receiver.dropped).toBe(1);
    expect(receiver.receive(message(20, { done: true }), 3).complete).toBeUndefined();
    expect(receiver.receive(message(0), 3).acknowledgement?.offset).toBe(16);
    const whole = receiver.receive(message(16), 3);
    expect(text(whole.complete!.chunks)).toBe('0123456789abcdefghij');
    expect(receiver.heldBytes).toBe(0);
  });

  it('abandons a transfer past maxSnapshotBytes and answers it with success false', () => {
    const receiver = new SnapshotReceiver({ maxSnapshotBytes: 12 });
    expect(receiver.receive(message(0), 3).acknowledgement).toMatchObject({ offset: 8, success: true });
    expect(receiver.receive(message(8), 3).acknowledgement).toMatchObject({ offset: 0, success: false });
    expect(receiver.heldBytes).toBe(0);
  });
});

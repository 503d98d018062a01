import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from './frame-codec.js';
import { SendQueue } from './send-queue.js';

const message = (round: number, padding: number) => encodeValue({ type: 'heartbeat', round, padding: new Uint8Array(padding) });

describe('SendQueue', () => {
  it('refuses a message when queued bytes plus the bytes still in the socket would pass the bound', () => {
    const queue = new SendQueue(1000, 10_000);
    const one = message(1, 400);
    expect([queue.push(one, 0), queue.push(one, 0), queue.push(one, 0)]).toEqual([true, true, false]);
    expect([queue.length, queue.byteLength]).toEqual([2, 2 * one.byteLength]);
    const fresh = new SendQueue(1000, 10_000);
    expect([fresh.push(one, 1000 - one.byteLength), fresh.push(one, 1001 - one.byteLength)]).toEqual([true, false]);
  });

  it('refuses a message that cannot fit in a frame of maxFrameBytes even alone', () => {
    const queue = new SendQueue(1_000_000, 500);
    expect([queue.push(message(1, 600), 0), queue.push(message(2, 400), 0), queue.length]).toEqual([false, true, 1]);
  });

  it('takeFrames packs messages in order into as few frames as the frame limit allows, and empties the queue', () => {
    const one = message(0, 300);
    // Three messages and the largest header fit in a frame exactly; a fourth would not.
    const maxFrameBytes = 3 * one.byteLength + 5;
    const queue = new SendQueue(1_000_000, maxFrameBytes);
    for (let round = 0; round < 7; round++) queue.push(message(round, 300), 0);
    const frames = queue.takeFrames();
    expect(frames.map((frame) => frame.count)).toEqual([3, 3, 1]);
    expect(frames.every((frame) => frame.bytes.byteLength <= maxFrameBytes)).toBe(true);
    const rounds = frames.flatMap((frame) => (decodeValue(frame.bytes) as { round: number }[]).map((decoded) => decoded.round));
    expect(rounds).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([queue.length, queue.byteLength, queue.takeFrames()]).toEqual([0, 0, []]);
  });

  it('clear() drops everything and says how many messages it dropped', () => {
    const queue = new SendQueue(1_000_000, 10_000);
    queue.push(message(1, 1), 0);
    queue.push(message(2, 1), 0);
    expect([queue.clear(), queue.length, queue.byteLength]).toEqual([2, 0, 0]);
  });
});

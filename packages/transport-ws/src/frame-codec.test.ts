import { describe, expect, it } from 'vitest';
import type { AppendEntriesMessage, HeartbeatMessage } from '@raftkit/core';
import { decodeFrame, decodeValue, encodeFrame, encodeValue, frameHeader } from './frame-codec.js';

const heartbeat = (from: string, to: string, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 2, commit: 5, round });
const frameOf = (...messages: unknown[]) => Buffer.from(encodeFrame(messages.map((message) => encodeValue(message))));

describe('frame encoding', () => {
  it('writes the msgpack array header of the smallest form for each count', () => {
    expect([...frameHeader(0)]).toEqual([0x90]);
    expect([...frameHeader(15)]).toEqual([0x9f]);
    expect([...frameHeader(16)]).toEqual([0xdc, 0x00, 0x10]);
    expect([...frameHeader(65_535)]).toEqual([0xdc, 0xff, 0xff]);
    expect([...frameHeader(65_536)]).toEqual([0xdd, 0x00, 0x01, 0x00, 0x00]);
  });

  it('a frame of separately encoded messages decodes as the array of those messages, for every header form', () => {
    for (const count of [1, 15, 16, 70_000]) {
      const messages = Array.from({ length: count }, (_, round) => heartbeat('a', 'b', round));
      const decoded = decodeFrame(frameOf(...messages), 'a', 'b');
      expect(decoded.ok && decoded.messages.length).toBe(count);
      expect(decoded.ok && decoded.messages[count - 1]).toEqual(heartbeat('a', 'b', count - 1));
    }
  });

  it('entry data comes back as a plain Uint8Array (not a Buffer) with the same bytes, from a Buffer frame', () => {
    const append: AppendEntriesMessage = {
      type: 'appendEntries', from: 'a', to: 'b', term: 2, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 1,
      entries: [{ index: 2, term: 2, type: 'normal', data: Uint8Array.of(0, 1, 254, 255) }],
    };
    const decoded = decodeFrame(frameOf(append), 'a', 'b');
    if (!decoded.ok) throw new Error(decoded.reason);
    const data = (decoded.messages[0] as AppendEntriesMessage).entries[0]!.data;
    expect(Object.getPrototypeOf(data)).toBe(Uint8Array.prototype);
    expect([...data]).toEqual([0, 1, 254, 255]);
  });

  it('uses plain msgpack maps, not msgpackr records, so any msgpack reader can decode a frame', () => {
    // A map 16 (0xde) with 6 keys right after the one-element array header (0x91), not a record.
    expect([...frameOf(heartbeat('a', 'b', 1)).subarray(0, 4)]).toEqual([0x91, 0xde, 0x00, 0x06]);
    expect(decodeValue(encodeValue({ big: 2 ** 40 }))).toEqual({ big: 2 ** 40 });
  });
});

describe('decodeFrame refuses', () => {
  const refused = (bytes: Uint8Array) => {
    const decoded = decodeFrame(bytes, 'a', 'b');
    return decoded.ok ? 'accepted' : decoded.reason;
  };

  it('bytes that are not msgpack, or carry trailing bytes', () => {
    expect(refused(Uint8Array.of(0x92, 0x01))).toMatch(/^not msgpack/);
    expect(refused(Uint8Array.of(0x91))).toMatch(/^not msgpack/);
    expect(refused(Uint8Array.of(0xff, 0x00, 0x01))).toMatch(/^not msgpack/);
  });

  it('a msgpack value that is not an array', () => {
    expect(refused(encodeValue({ type: 'heartbeat', from: 'a', to: 'b' }))).toBe('not an array of messages');
    expect(refused(encodeValue('hello'))).toBe('not an array of messages');
  });

  it('an element that is not an object or has no string type', () => {
    expect(refused(frameOf(heartbeat('a', 'b', 1), 42))).toBe('message 1 is not an object');
    expect(refused(frameOf([1, 2]))).toBe('message 0 is not an object');
    expect(refused(frameOf(new Uint8Array(3)))).toBe('message 0 is not an object');
    expect(refused(frameOf({ type: 7, from: 'a', to: 'b' }))).toBe('message 0 has no string type');
    // 0xc1 is the one byte msgpack never uses; msgpackr decodes it to a marker object.
    expect(refused(Uint8Array.of(0x91, 0xc1))).toBe('message 0 has no string type');
  });

  it('a message whose from is not the authenticated peer, or whose to is not this node', () => {
    expect(refused(frameOf(heartbeat('a', 'b', 1), heartbeat('c', 'b', 2)))).toBe('message 1 claims to be from c, not the connected peer a');
    expect(refused(frameOf(heartbeat('a', 'c', 1)))).toBe('message 0 is addressed to c, not b');
  });
});

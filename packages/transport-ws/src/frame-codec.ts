/**
 * The wire format. After the handshake every WebSocket message is one frame: a msgpack array of
 * Raft messages, in send order. Each message is encoded once, when it is sent (so its exact size
 * counts against the queue bound), and a frame is the array header followed by the encoded
 * messages, concatenated without re-encoding.
 *
 * Decoding trusts nothing: a frame that is not a msgpack array of objects with a string `type`,
 * `from` equal to the peer the handshake authenticated and `to` equal to this node is refused
 * whole, and the caller closes the connection.
 */
import { Packr } from 'msgpackr';
import type { Message, NodeId } from '@raftkit/core';

/**
 * Plain msgpack maps (no msgpackr records) so any msgpack implementation can read the frames;
 * `mapsAsObjects` because records are off; 64-bit integers decode as numbers, never BigInt.
 */
export const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

/** The largest array header: 0xdd and a 32-bit count. */
export const MAX_FRAME_HEADER_BYTES = 5;

/** encodeValue encodes any value (a message, a handshake record) as msgpack. */
export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * decodeValue decodes one msgpack value that fills `bytes` exactly. Binary fields come back as
 * plain Uint8Array views into `bytes` (decoding from a Node Buffer would give Buffers).
 */
export function decodeValue(bytes: Uint8Array): unknown {
  return packr.unpack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** frameHeader returns the msgpack array header for `count` elements. */
export function frameHeader(count: number): Uint8Array {
  if (count < 16) return Uint8Array.of(0x90 | count);
  if (count < 0x10000) return Uint8Array.of(0xdc, count >>> 8, count & 0xff);
  return Uint8Array.of(0xdd, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff);
}

/** encodeFrame joins already encoded messages into one frame (a msgpack array). */
export function encodeFrame(messages: readonly Uint8Array[]): Uint8Array {
  const header = frameHeader(messages.length);
  let length = header.byteLength;
  for (const message of messages) length += message.byteLength;
  const frame = new Uint8Array(length);
  frame.set(header, 0);
  let offset = header.byteLength;
  for (const message of messages) {
    frame.set(message, offset);
    offset += message.byteLength;
  }
  return frame;
}

/** DecodedFrame is a valid frame's messages, or why the frame was refused. */
export type DecodedFrame = { readonly ok: true; readonly messages: readonly Message[] } | { readonly ok: false; readonly reason: string };

/**
 * decodeFrame decodes and checks a frame received from the authenticated peer `from` by node
 * `self`. The checks are minimal on purpose (the peer authenticated and runs the same core); they
 * stop what would break the transport's promise: a message from anyone but the connected peer,
 * or addressed to another node.
 */
export function decodeFrame(bytes: Uint8Array, from: NodeId, self: NodeId): DecodedFrame {
  let value: unknown;
  try {
    value = decodeValue(bytes);
  } catch (error) {
    return { ok: false, reason: `not msgpack (${(error as Error).message})` };
  }
  if (!Array.isArray(value)) return { ok: false, reason: 'not an array of messages' };
  for (const [index, message] of value.entries()) {
    if (typeof message !== 'object' || message === null || Array.isArray(message) || message instanceof Uint8Array) {
      return { ok: false, reason: `message ${index} is not an object` };
    }
    const record = message as Record<string, unknown>;
    if (typeof record['type'] !== 'string') return { ok: false, reason: `message ${index} has no string type` };
    if (record['from'] !== from) return { ok: false, reason: `message ${index} claims to be from ${String(record['from'])}, not the connected peer ${from}` };
    if (record['to'] !== self) return { ok: false, reason: `message ${index} is addressed to ${String(record['to'])}, not ${self}` };
  }
  return { ok: true, messages: value as Message[] };
}

/**
 * The wire format. After the handshake every WebSocket message is one frame: a msgpack array of
 * Raft messages, in send order. Each message is encoded once, when it is sent (so its exact size
 * counts against the queue bound), and a frame is the array header followed by the encoded
 * messages, concatenated without re-encoding.
 *
 * Decoding trusts nothing: a frame that is not a msgpack array of objects with a string `type`,
 * `from` equal to the peer the handshake authenticated and `to` equal to this node, each of
 * which passes core's `validateMessage`, is refused whole, and the caller closes the connection.
 */
import { Packr } from 'msgpackr';
import { MessageValidationError, validateMessage, type Message, type MessageLimits, type NodeId } from '@raftkit/core';

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

/**
 * FrameRefusal names why a frame was refused: `malformed-frame` (not msgpack, not an array of
 * objects with a string type, or a message from another sender or to another node) or
 * `invalid-message` (a message of the wrong shape for its type, see core's `validateMessage`).
 */
export type FrameRefusal = 'malformed-frame' | 'invalid-message';

/** DecodedFrame is a valid frame's messages, or why the frame was refused. */
export type DecodedFrame =
  | { readonly ok: true; readonly messages: readonly Message[] }
  | { readonly ok: false; readonly refusal: FrameRefusal; readonly reason: string };

const malformed = (reason: string): DecodedFrame => ({ ok: false, refusal: 'malformed-frame', reason });

/**
 * decodeFrame decodes and checks a frame received from the authenticated peer `from` by node
 * `self`: the transport's own promise (a message from the connected peer, to this node), then
 * each message's shape with `validateMessage` under `limits`, so a malformed message never
 * reaches the node. It never throws.
 */
export function decodeFrame(bytes: Uint8Array, from: NodeId, self: NodeId, limits?: MessageLimits): DecodedFrame {
  let value: unknown;
  try {
    value = decodeValue(bytes);
  } catch (error) {
    return malformed(`not msgpack (${(error as Error).message})`);
  }
  if (!Array.isArray(value)) return malformed('not an array of messages');
  const messages: Message[] = [];
  for (const [index, message] of value.entries()) {
    if (typeof message !== 'object' || message === null || Array.isArray(message) || message instanceof Uint8Array) {
      return malformed(`message ${index} is not an object`);
    }
    const record = message as Record<string, unknown>;
    if (typeof record['type'] !== 'string') return malformed(`message ${index} has no string type`);
    if (record['from'] !== from) return malformed(`message ${index} claims to be from ${String(record['from']).slice(0, 80)}, not the connected peer ${from}`);
    if (record['to'] !== self) return malformed(`message ${index} is addressed to ${String(record['to']).slice(0, 80)}, not ${self}`);
    try {
      messages.push(validateMessage(message, limits));
    } catch (error) {
      if (!(error instanceof MessageValidationError)) throw error;
      return { ok: false, refusal: 'invalid-message', reason: `message ${index} (${record['type'].slice(0, 40)}): ${error.message}` };
    }
  }
  return { ok: true, messages };
}

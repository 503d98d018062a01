/**
 * The codec of the node's log entries: a session-wrapped KV command as msgpack (plain maps, so
 * byte values stay bytes; JSON could not carry them without base64).
 */
import { Packr } from 'msgpackr';
import type { Codec, SessionCommand } from '@raftkit/core';
import type { NodeKvCommand } from './kv-commands.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

/** NodeEntry is what one normal entry of the node's log holds. */
export type NodeEntry = SessionCommand<NodeKvCommand>;

/** createCommandCodec returns the msgpack codec of NodeEntry. */
export function createCommandCodec(): Codec<NodeEntry> {
  return {
    encode: (entry) => packr.pack(entry),
    // Decoding a plain Uint8Array view (not a Buffer) makes byte values plain Uint8Arrays.
    decode: (bytes) => packr.unpack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as NodeEntry,
  };
}

/**
 * Decoding one `/v1/ws` frame into a request envelope, kept apart from serving it so that every
 * byte sequence a client can send has one answer: a request to serve, or a reason to close the
 * connection (the fuzz suite feeds it arbitrary frames).
 */
import { decodeValue, type ClientRequest } from '@raftkit/client';

/** FrameDecoding is a request, or the WebSocket close code and reason for a frame refused. */
export type FrameDecoding = { readonly ok: true; readonly request: ClientRequest } | { readonly ok: false; readonly closeCode: number; readonly reason: string };

/**
 * decodeClientFrame reads one binary frame. It never throws: a frame that is not msgpack, or not
 * a map with a safe integer `id` and a string `type`, is refused with 1007 (invalid payload).
 * The fields of each request type are checked where it is served (ws-api.ts), which answers a
 * bad one with BAD_REQUEST under its id.
 */
export function decodeClientFrame(bytes: Uint8Array): FrameDecoding {
  let value: unknown;
  try {
    value = decodeValue(bytes);
  } catch {
    return { ok: false, closeCode: 1007, reason: 'not msgpack' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return { ok: false, closeCode: 1007, reason: 'a request is a map' };
  }
  const record = value as Record<string, unknown>;
  if (typeof record['id'] !== 'number' || !Number.isSafeInteger(record['id'])) return { ok: false, closeCode: 1007, reason: 'a request needs an integer id' };
  if (typeof record['type'] !== 'string') return { ok: false, closeCode: 1007, reason: 'a request needs a type' };
  return { ok: true, request: record as unknown as ClientRequest };
}

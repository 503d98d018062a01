/**
 * The wire format of `/v1/ws`: one msgpack value per WebSocket binary message. Plain msgpack maps
 * (no msgpackr records) so a node written with any msgpack library reads them; `bin` values decode
 * as plain Uint8Array, never Node Buffers, so what a caller stored is what it reads back.
 *
 * Decoding trusts nothing: an answer that is not an object with a numeric `id` and a well-formed
 * `ok` / `result` / `error` is refused, and the client drops that connection.
 */
import { Packr } from 'msgpackr';
import type { ClientRequest, ClientResponse, ErrorCode, LeaderInfo } from './protocol.js';

/** 64-bit integers decode as numbers; `undefined` is never written (requests omit absent keys). */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

/** encodeRequest encodes one request frame. */
export function encodeRequest(request: ClientRequest): Uint8Array {
  return packr.pack(request);
}

/** encodeResponse encodes one answer frame (used by nodes and by the test fake). */
export function encodeResponse(response: ClientResponse): Uint8Array {
  return packr.pack(response);
}

/**
 * decodeValue decodes one msgpack value that fills `bytes`. Decoding from a plain Uint8Array view
 * (not a Buffer) makes msgpackr return `bin` values as Uint8Array.
 */
export function decodeValue(bytes: Uint8Array): unknown {
  return packr.unpack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * toBytes turns a WebSocket message payload into bytes: an ArrayBuffer (browsers, `ws` with
 * binaryType 'arraybuffer'), a Buffer or other view, or `ws`'s fragment list. Text frames are
 * not part of the protocol: undefined.
 */
export function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((part) => part instanceof Uint8Array)) {
    const parts = data as Uint8Array[];
    const joined = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.byteLength;
    }
    return joined;
  }
  return undefined;
}

/** DecodedResponse is a well-formed answer, or why the frame was refused. */
export type DecodedResponse = { readonly ok: true; readonly response: ClientResponse } | { readonly ok: false; readonly reason: string };

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'NO_LEADER',
  'NOT_MEMBER',
  'SHUTTING_DOWN',
  'OUTCOME_UNKNOWN',
  'TIMEOUT',
  'BAD_REQUEST',
  'TOO_LARGE',
  'IDEMPOTENCY_KEY_REUSED',
  'SESSION_EXPIRED',
  'SESSION_RESULT_EVICTED',
  'INTERNAL',
  'UNAUTHORIZED',
  'FORBIDDEN',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isLeaderInfo(value: unknown): value is LeaderInfo {
  return isRecord(value) && typeof value['id'] === 'string' && (value['httpAddress'] === undefined || typeof value['httpAddress'] === 'string');
}

/**
 * decodeResponse decodes and checks the envelope of one answer frame. The `result` is checked by
 * the caller, which knows what it asked. An unknown error code is refused: a newer node's code
 * could mean anything, including "applied".
 */
export function decodeResponse(bytes: Uint8Array): DecodedResponse {
  let value: unknown;
  try {
    value = decodeValue(bytes);
  } catch (error) {
    return { ok: false, reason: `not msgpack (${(error as Error).message})` };
  }
  if (!isRecord(value)) return { ok: false, reason: 'the answer is not a map' };
  if (typeof value['id'] !== 'number' || !Number.isSafeInteger(value['id'])) return { ok: false, reason: 'the answer has no integer id' };
  if (value['leader'] !== undefined && value['leader'] !== null && !isLeaderInfo(value['leader'])) {
    return { ok: false, reason: 'the answer has a malformed leader' };
  }
  // A node written in another language may send nil for an absent leader; drop it.
  if (value['leader'] === null) delete value['leader'];
  if (value['ok'] === true) {
    if (!isRecord(value['result'])) return { ok: false, reason: 'a successful answer has no result map' };
    return { ok: true, response: value as unknown as ClientResponse };
  }
  if (value['ok'] === false) {
    const error = value['error'];
    if (!isRecord(error) || typeof error['code'] !== 'string' || !ERROR_CODES.has(error['code'])) {
      return { ok: false, reason: 'a failed answer has no known error code' };
    }
    if (typeof error['message'] !== 'string') error['message'] = '';
    const retryAfterMs = error['retryAfterMs'];
    if (retryAfterMs !== undefined && (typeof retryAfterMs !== 'number' || !(retryAfterMs >= 0))) delete error['retryAfterMs'];
    return { ok: true, response: value as unknown as ClientResponse };
  }
  return { ok: false, reason: 'the answer has no boolean ok' };
}

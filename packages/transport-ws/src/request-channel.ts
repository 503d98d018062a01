/**
 * RequestChannel: request/response calls between peers, multiplexed on the same authenticated
 * connection as the Raft messages. The reference node uses it to forward a client's write or
 * linearizable read to the leader in one hop, without a second port or a second handshake.
 *
 *   request(to, payload) ─► { kind: 'request', id, payload } ──────────► onRequest(from, payload)
 *   settles  ◄────────────── { kind: 'response', id, ok, payload | message } ◄── handler's answer
 *
 * Raft frames are msgpack ARRAYS; channel frames are msgpack MAPS, so one look at the first byte
 * tells them apart and neither kind can be taken for the other.
 *
 * What a failed request tells the caller matters as much as for a Raft proposal, so every
 * failure says whether the peer may have acted on the request (`maybeHandled`): a request that was
 * never written to a socket (no connection, too large) certainly was not; one whose connection
 * dropped, or whose answer did not come in time, may have been.
 */
import type { NodeId, PeerRequestFailure } from '@raftkit/core';
import { decodeValue, encodeValue, MAX_FRAME_HEADER_BYTES } from './frame-codec.js';

/** PeerRequestErrorCode says why a request failed. */
export type PeerRequestErrorCode =
  /** No open connection to the peer: the request was not sent. */
  | 'NOT_CONNECTED'
  /** The request (or its answer) is over maxPayloadBytes: not sent (or not answered). */
  | 'TOO_LARGE'
  /** The connection closed after the request was sent: the peer may have handled it. */
  | 'CONNECTION_LOST'
  /** No answer within the timeout: the peer may have handled it. */
  | 'TIMEOUT'
  /** The peer's handler threw; `message` is its error message. */
  | 'REMOTE_ERROR'
  /** The peer has no request handler: it did not handle the request. */
  | 'NO_HANDLER'
  /** This transport closed while the request was pending. */
  | 'CLOSED';

/** PeerRequestError rejects `request`; `maybeHandled` says whether the peer may have acted on it. */
export class PeerRequestError extends Error implements PeerRequestFailure {
  override readonly name = 'PeerRequestError';
  constructor(
    readonly code: PeerRequestErrorCode,
    readonly maybeHandled: boolean,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/**
 * RequestHandler answers a peer's request. Its return value (or resolved value) is sent back; a
 * throw is sent back as REMOTE_ERROR with the error's message. Payloads are any msgpack value
 * (objects, arrays, strings, numbers, booleans, null, Uint8Array).
 */
export type RequestHandler = (from: NodeId, payload: unknown) => unknown;

/** ChannelConnection is what the channel needs of a peer connection. */
export interface ChannelConnection {
  readonly open: boolean;
  send(frame: Uint8Array): void;
}

interface Pending {
  readonly connection: ChannelConnection;
  readonly peer: NodeId;
  readonly timer: NodeJS.Timeout;
  resolve(value: unknown): void;
  reject(error: PeerRequestError): void;
}

/**
 * isChannelFrame reports whether a frame is a channel frame (a msgpack map: fixmap 0x80–0x8f,
 * map16 0xde, map32 0xdf) rather than a Raft frame (an array).
 */
export function isChannelFrame(bytes: Uint8Array): boolean {
  const first = bytes[0];
  return first !== undefined && ((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf);
}

/** RequestChannel keeps the pending requests of one transport and answers incoming ones. */
export class RequestChannel {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private handler: RequestHandler | undefined;
  private closed = false;

  constructor(
    private readonly maxPayloadBytes: number,
    /** Called for a malformed channel frame: the transport closes that connection. */
    private readonly protocolError: (connection: ChannelConnection, reason: string) => void,
  ) {}

  onRequest(handler: RequestHandler | undefined): void {
    this.handler = handler;
  }

  /** request sends `payload` to `peer` on `connection` (undefined: not connected) and waits for the answer. */
  request(connection: ChannelConnection | undefined, peer: NodeId, payload: unknown, timeoutMs: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new PeerRequestError('CLOSED', false, 'the transport is closed'));
    if (connection === undefined || !connection.open) return Promise.reject(new PeerRequestError('NOT_CONNECTED', false, `no open connection to ${peer}`));
    if (!(timeoutMs > 0)) return Promise.reject(new PeerRequestError('TIMEOUT', false, `no time left to ask ${peer}`));
    const id = this.nextId++;
    let frame: Uint8Array;
    try {
      frame = encodeValue({ kind: 'request', id, payload });
    } catch (error) {
      return Promise.reject(new PeerRequestError('TOO_LARGE', false, `the request cannot be encoded: ${(error as Error).message}`));
    }
    if (frame.byteLength + MAX_FRAME_HEADER_BYTES > this.maxPayloadBytes) {
      return Promise.reject(new PeerRequestError('TOO_LARGE', false, `the request is ${frame.byteLength} bytes, over maxPayloadBytes`));
    }
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PeerRequestError('TIMEOUT', true, `${peer} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { connection, peer, timer, resolve, reject });
      connection.send(frame);
    });
  }

  /**
   * receive handles one frame from the authenticated `peer` that `isChannelFrame` picked out. It
   * returns false for a map that is not a channel record, so the caller refuses it as it refuses
   * any other malformed frame.
   */
  receive(connection: ChannelConnection, peer: NodeId, bytes: Uint8Array): boolean {
    let record: Record<string, unknown>;
    try {
      record = decodeValue(bytes) as Record<string, unknown>;
    } catch {
      return false;
    }
    const kind = record['kind'];
    if (kind !== 'request' && kind !== 'response') return false;
    const id = record['id'];
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      this.protocolError(connection, `channel ${kind} without an integer id`);
      return true;
    }
    if (kind === 'request') this.answer(connection, peer, id, record['payload']);
    else this.settle(connection, peer, id, record);
    return true;
  }

  /** connectionClosed fails the requests sent on `connection`: their answers can no longer come. */
  connectionClosed(connection: ChannelConnection): void {
    for (const [id, pending] of this.pending) {
      if (pending.connection !== connection) continue;
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new PeerRequestError('CONNECTION_LOST', true, `the connection to ${pending.peer} closed before it answered`));
    }
  }

  /** close fails every pending request and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new PeerRequestError('CLOSED', true, `the transport closed before ${pending.peer} answered`));
    }
  }

  private answer(connection: ChannelConnection, peer: NodeId, id: number, payload: unknown): void {
    const reply = (response: Record<string, unknown>) => {
      if (this.closed || !connection.open) return;
      let frame = encodeValue({ kind: 'response', id, ...response });
      if (frame.byteLength + MAX_FRAME_HEADER_BYTES > this.maxPayloadBytes) {
        frame = encodeValue({ kind: 'response', id, ok: false, code: 'TOO_LARGE', message: `the answer is ${frame.byteLength} bytes, over maxPayloadBytes` });
      }
      connection.send(frame);
    };
    const handler = this.handler;
    if (handler === undefined) {
      reply({ ok: false, code: 'NO_HANDLER', message: 'this node does not take requests' });
      return;
    }
    let answer: unknown;
    try {
      answer = handler(peer, payload);
    } catch (error) {
      reply({ ok: false, code: 'REMOTE_ERROR', message: errorMessage(error) });
      return;
    }
    Promise.resolve(answer).then(
      (result) => {
        try {
          reply({ ok: true, payload: result });
        } catch (error) {
          reply({ ok: false, code: 'REMOTE_ERROR', message: `the answer cannot be encoded: ${errorMessage(error)}` });
        }
      },
      (error: unknown) => reply({ ok: false, code: 'REMOTE_ERROR', message: errorMessage(error) }),
    );
  }

  private settle(connection: ChannelConnection, peer: NodeId, id: number, record: Record<string, unknown>): void {
    const pending = this.pending.get(id);
    // A late answer (after the timeout) or one from another connection is ignored.
    if (pending === undefined || pending.connection !== connection || pending.peer !== peer) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (record['ok'] === true) {
      pending.resolve(record['payload']);
      return;
    }
    const message = typeof record['message'] === 'string' ? record['message'] : '';
    const code = record['code'];
    if (code === 'NO_HANDLER') pending.reject(new PeerRequestError('NO_HANDLER', false, `${peer}: ${message}`));
    else if (code === 'TOO_LARGE') pending.reject(new PeerRequestError('TOO_LARGE', true, `${peer}: ${message}`));
    else pending.reject(new PeerRequestError('REMOTE_ERROR', true, `${peer}: ${message}`));
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

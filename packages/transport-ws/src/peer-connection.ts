/**
 * PeerConnection is one WebSocket to one peer: it runs the handshake (see `handshake.ts`) in the
 * dialer's or the acceptor's role, then hands each binary message to the transport as a frame.
 * It owns no policy: which connection to keep, what to count and log, and when to redial are the
 * transport's, told through `ConnectionHooks`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NodeId } from '@raftkit/core';
import type { RawData, WebSocket } from 'ws';
import { watchHandshakeBytes } from './handshake-budget.js';
import { decodeValue, encodeValue } from './frame-codec.js';
import {
  checkWelcome,
  createNonce,
  MAX_HANDSHAKE_BYTES,
  parseHandshake,
  proof,
  PROTOCOL_VERSION,
  type HelloRecord,
  type RefusalReason,
} from './handshake.js';

/**
 * CloseCode lists the WebSocket close codes the transport uses (4000–4999 are for applications;
 * 1009 is ws's "too big"). The close reason says more: a RefusalReason for 4000, `invalid-message`
 * for 4004.
 */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  messageTooBig: 1009,
  refused: 4000,
  protocolError: 4001,
  replaced: 4002,
  handshakeTimeout: 4003,
  /** A message in a frame failed validation (`validateMessage`); the reason is `invalid-message`. */
  invalidMessage: 4004,
} as const;

/** ConnectionHooks is how a connection reports to the transport. */
export interface ConnectionHooks {
  /** The handshake succeeded: `connection.peer` is authenticated. */
  opened(connection: PeerConnection): void;
  /** A binary message arrived on an open connection. */
  frame(connection: PeerConnection, data: Uint8Array): void;
  /** The handshake failed: refused by this side (`local`) or by the peer (`remote`). */
  refused(connection: PeerConnection, reason: RefusalReason, by: 'local' | 'remote'): void;
  /** The peer broke the protocol (a text message, an undecodable handshake record). */
  protocolError(connection: PeerConnection, reason: string): void;
  /** ws reported an error (a refused dial, an oversized or invalid WebSocket frame). */
  error(connection: PeerConnection, error: Error & { code?: string }): void;
  /** The socket is gone; called once, whatever the state. */
  closed(connection: PeerConnection, code: number, reason: string): void;
}

/** What a connection needs to know to run its side of the handshake. */
export interface HandshakeContext {
  readonly self: NodeId;
  readonly clusterId: string;
  readonly secret: string | Uint8Array | undefined;
  readonly handshakeTimeoutMs: number;
  /** Bytes the socket may deliver before the handshake completes. */
  readonly maxHandshakeBytes: number;
}

type State = 'handshaking' | 'open' | 'closing' | 'closed';

export class PeerConnection {
  /** The peer: known from the start when dialing, from the hello when accepting. */
  peer: NodeId | undefined;
  /** Set on anything received; the keep-alive check clears it at each ping. */
  alive = true;
  /** Keep-alive rounds in a row that found nothing received. */
  silentRounds = 0;
  private state: State = 'handshaking';
  private readonly nonce = createNonce();
  private expecting: 'challenge' | 'welcome' | 'hello';
  private readonly timer: NodeJS.Timeout;
  /** Stops counting handshake bytes; replaced once the socket is known. */
  private stopBudget: () => void = () => {};
  /** The TCP (or TLS) socket under the WebSocket, once known: corked for a turn by send(). */
  private socket: Duplex | undefined;
  private corked = false;

  private constructor(
    readonly ws: WebSocket,
    readonly role: 'dialer' | 'acceptor',
    /** The remote address, for log lines. */
    readonly remote: string,
    peer: NodeId | undefined,
    private readonly context: HandshakeContext,
    private readonly hooks: ConnectionHooks,
    private readonly checkHello?: (hello: HelloRecord, nonce: Uint8Array) => RefusalReason | undefined,
  ) {
    this.peer = peer;
    this.expecting = role === 'dialer' ? 'challenge' : 'hello';
    this.timer = setTimeout(() => this.refuse('handshake-timeout', CloseCode.handshakeTimeout), context.handshakeTimeoutMs);
    this.timer.unref();
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('error', (error) => hooks.error(this, error));
    ws.on('close', (code, reason) => {
      clearTimeout(this.timer);
      this.stopBudget();
      this.state = 'closed';
      hooks.closed(this, code, reason.toString());
    });
  }

  /** dial wraps a client WebSocket opened towards `peer`; the acceptor speaks first. */
  static dial(ws: WebSocket, peer: NodeId, remote: string, context: HandshakeContext, hooks: ConnectionHooks): PeerConnection {
    const connection = new PeerConnection(ws, 'dialer', remote, peer, context, hooks);
    // ws attaches to the socket between 'upgrade' and 'open'; the budget goes on after it.
    let socket: Duplex | undefined;
    ws.once('upgrade', (response: IncomingMessage) => (socket = response.socket));
    ws.once('open', () => {
      if (socket !== undefined) connection.watchBudget(socket);
    });
    return connection;
  }

  /** accept wraps an incoming WebSocket and sends the challenge. */
  static accept(
    ws: WebSocket,
    remote: string,
    context: HandshakeContext,
    hooks: ConnectionHooks,
    checkHello: (hello: HelloRecord, nonce: Uint8Array) => RefusalReason | undefined,
    socket: Duplex,
  ): PeerConnection {
    const connection = new PeerConnection(ws, 'acceptor', remote, undefined, context, hooks, checkHello);
    connection.watchBudget(socket);
    ws.send(encodeValue({ kind: 'challenge', version: PROTOCOL_VERSION, nonce: connection.nonce }));
    return connection;
  }

  /** watchBudget cuts the socket off once it delivered more than `maxHandshakeBytes` while handshaking. */
  private watchBudget(socket: Duplex): void {
    this.socket = socket;
    if (this.state !== 'handshaking') return;
    this.stopBudget = watchHandshakeBytes(socket, this.context.maxHandshakeBytes, (bytes) => {
      if (this.state !== 'handshaking') return;
      this.hooks.protocolError(this, `${bytes} bytes before the handshake completed (maxHandshakeBytes ${this.context.maxHandshakeBytes})`);
      this.terminate();
    });
  }

  /** open is true once the handshake succeeded and until the connection starts closing. */
  get open(): boolean {
    return this.state === 'open';
  }

  /** bufferedAmount is what the socket holds and has not yet written out. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** send writes one frame with the others of this turn (see corkForTurn). MUST only be called while `open`. */
  send(frame: Uint8Array): void {
    this.corkForTurn();
    this.ws.send(frame, { binary: true });
  }

  /**
   * sendNow writes one frame at once (the Raft frames, which the transport already gathers once
   * per turn, in the check phase: corking them would hold each until the next turn). If the
   * socket is corked for this turn the frame joins that write, in order.
   */
  sendNow(frame: Uint8Array): void {
    this.ws.send(frame, { binary: true });
  }

  /**
   * corkForTurn holds the socket's writes until the check phase (setImmediate), so the frames of
   * one event-loop turn leave in one writev: a follower forwarding the writes of many clients, or
   * a leader answering them after one apply, paid one system call per request (on loopback the
   * sender's syscall also delivers to the receiver, the most expensive line of a node's profile).
   */
  private corkForTurn(): void {
    const socket = this.socket;
    if (this.corked || socket === undefined) return;
    this.corked = true;
    socket.cork();
    setImmediate(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /** close starts the closing handshake; nothing more is delivered from this connection. */
  close(code: number, reason: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    const authenticated = this.state === 'open';
    this.state = 'closing';
    clearTimeout(this.timer);
    this.stopBudget();
    this.ws.close(code, reason);
    // An unauthenticated socket does not get ws's 30 s to answer the closing handshake: it is
    // cut off shortly after the close frame (and a refusal record before it) went out.
    if (!authenticated) setTimeout(() => this.ws.terminate(), Math.min(1000, this.context.handshakeTimeoutMs)).unref();
  }

  /** terminate drops the socket at once (shutdown, a dead peer). */
  terminate(): void {
    if (this.state !== 'closed') this.state = 'closing';
    clearTimeout(this.timer);
    this.stopBudget();
    this.ws.terminate();
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.alive = true;
    if (this.state === 'closing' || this.state === 'closed') return;
    if (!isBinary) {
      this.hooks.protocolError(this, 'text message');
      this.close(CloseCode.protocolError, 'text message');
      return;
    }
    const bytes = toBytes(data);
    if (this.state === 'open') this.hooks.frame(this, bytes);
    else this.handshake(bytes);
  }

  private handshake(bytes: Uint8Array): void {
    let record: ReturnType<typeof parseHandshake>;
    try {
      record = bytes.byteLength <= MAX_HANDSHAKE_BYTES ? parseHandshake(decodeValue(bytes)) : undefined;
    } catch {
      record = undefined;
    }
    if (record === undefined) {
      this.hooks.protocolError(this, 'malformed handshake');
      this.close(CloseCode.protocolError, 'malformed-handshake');
      return;
    }
    if (record.kind === 'refused' && this.role === 'dialer') {
      this.hooks.refused(this, record.reason, 'remote');
      this.close(CloseCode.refused, record.reason);
      return;
    }
    const { self, clusterId, secret } = this.context;
    if (this.expecting === 'challenge' && record.kind === 'challenge') {
      if (record.version !== PROTOCOL_VERSION) return this.refuse('unsupported-version', CloseCode.refused);
      const peer = this.peer!;
      const hello: HelloRecord = {
        kind: 'hello',
        version: PROTOCOL_VERSION,
        clusterId,
        from: self,
        to: peer,
        nonce: this.nonce,
        ...(secret === undefined ? {} : { proof: proof(secret, 'dialer', clusterId, self, peer, record.nonce) }),
      };
      this.ws.send(encodeValue(hello));
      this.expecting = 'welcome';
      return;
    }
    if (this.expecting === 'welcome' && record.kind === 'welcome') {
      const reason = checkWelcome(record, { self, peer: this.peer!, clusterId, secret, nonce: this.nonce });
      if (reason !== undefined) return this.refuse(reason, CloseCode.refused);
      this.becomeOpen();
      return;
    }
    if (this.expecting === 'hello' && record.kind === 'hello') {
      // The claimed id, for the log line; it is the peer only once the checks pass.
      this.peer = record.from;
      const reason = this.checkHello!(record, this.nonce);
      if (reason !== undefined) {
        this.ws.send(encodeValue({ kind: 'refused', reason }));
        return this.refuse(reason, CloseCode.refused);
      }
      this.ws.send(
        encodeValue({
          kind: 'welcome',
          clusterId,
          id: self,
          ...(secret === undefined ? {} : { proof: proof(secret, 'acceptor', clusterId, self, record.from, record.nonce) }),
        }),
      );
      this.becomeOpen();
      return;
    }
    this.hooks.protocolError(this, `unexpected handshake record ${record.kind}`);
    this.close(CloseCode.protocolError, 'malformed-handshake');
  }

  private refuse(reason: RefusalReason, code: number): void {
    if (this.state !== 'handshaking') return;
    this.hooks.refused(this, reason, 'local');
    this.close(code, reason);
  }

  private becomeOpen(): void {
    clearTimeout(this.timer);
    this.stopBudget();
    this.state = 'open';
    this.hooks.opened(this);
  }
}

/** toBytes flattens what ws delivers (a Buffer, fragments, or an ArrayBuffer) into bytes. */
function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/**
 * Hand-driven peers for tests: they speak the handshake step by step with whatever identity,
 * cluster or secret a test gives them, and then let the test write any bytes (garbage, a frame
 * with a spoofed `from`, an oversized frame) or stop reading, which a real transport never does.
 */
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { Message, NodeId } from '@raftkit/core';
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws';
import { decodeValue, encodeFrame, encodeValue } from '../frame-codec.js';
import { createNonce, parseHandshake, proof, PROTOCOL_VERSION } from '../handshake.js';

/** Who a fake peer claims to be. */
export interface FakeIdentity {
  readonly id: NodeId;
  readonly clusterId: string;
  readonly secret?: string;
}

/** FakeConnection is one handshaken (or refused) connection of a fake peer. */
export interface FakeConnection {
  readonly ws: WebSocket;
  /** Raft messages received in frames after the handshake. */
  readonly received: Message[];
  /** Frames received after the handshake. */
  readonly frames: number;
  /** The reason in the peer's `refused` record, if it refused. */
  readonly refusal: string | undefined;
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ readonly code: number; readonly reason: string }>;
  /** sendFrame sends `messages` as one well-formed frame. */
  sendFrame(messages: readonly unknown[]): void;
  /** sendRaw sends any bytes as one binary WebSocket message. */
  sendRaw(bytes: Uint8Array): void;
}

interface MutableConnection {
  ws: WebSocket;
  received: Message[];
  frames: number;
  refusal: string | undefined;
  closed: Promise<{ code: number; reason: string }>;
  sendFrame(messages: readonly unknown[]): void;
  sendRaw(bytes: Uint8Array): void;
}

function wrap(ws: WebSocket): MutableConnection {
  const connection: MutableConnection = {
    ws,
    received: [],
    frames: 0,
    refusal: undefined,
    closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    sendFrame: (messages) => ws.send(encodeFrame(messages.map((message) => encodeValue(message)))),
    sendRaw: (bytes) => ws.send(bytes, { binary: true }),
  };
  ws.on('error', () => {});
  return connection;
}

/**
 * fakeDial connects to the transport at `url` as `identity`, addressed to node `to`, and resolves
 * once the handshake ended: open (`refusal` undefined) or refused. `options` go to ws (TLS
 * certificates for a `wss://` url).
 */
export async function fakeDial(url: string, to: NodeId, identity: FakeIdentity, options: ClientOptions = {}): Promise<FakeConnection> {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024, ...options });
  const connection = wrap(ws);
  const nonce = createNonce();
  await new Promise<void>((resolve) => {
    let step: 'challenge' | 'welcome' | 'open' = 'challenge';
    ws.on('message', (data: Buffer) => {
      if (step === 'open') {
        connection.frames++;
        connection.received.push(...(decodeValue(data) as Message[]));
        return;
      }
      const record = parseHandshake(decodeValue(data));
      if (step === 'challenge' && record?.kind === 'challenge') {
        const hello = { kind: 'hello', version: PROTOCOL_VERSION, clusterId: identity.clusterId, from: identity.id, to, nonce };
        ws.send(encodeValue(identity.secret === undefined ? hello : { ...hello, proof: proof(identity.secret, 'dialer', identity.clusterId, identity.id, to, record.nonce) }));
        step = 'welcome';
      } else if (record?.kind === 'welcome') {
        step = 'open';
        resolve();
      } else if (record?.kind === 'refused') {
        connection.refusal = record.reason;
        resolve();
      }
    });
    void connection.closed.then(() => resolve());
  });
  return connection;
}

/** FakeAcceptor accepts the real transport's dials as `identity`. */
export interface FakeAcceptor {
  /** `host:port` to put in the real transport's peer table. */
  readonly address: string;
  /** Connections that completed the handshake, in order. */
  readonly connections: FakeConnection[];
  /** The raw TCP sockets of those connections (a test pauses one to stop reading). */
  readonly sockets: Socket[];
  close(): Promise<void>;
}

/** startFakeAcceptor listens on 127.0.0.1 (a free port) at `path` and welcomes any dialer. */
export async function startFakeAcceptor(identity: FakeIdentity, path = '/raftkit/peer'): Promise<FakeAcceptor> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const connections: FakeConnection[] = [];
  const sockets: Socket[] = [];
  server.on('connection', (ws, request) => {
    const connection = wrap(ws);
    const nonce = createNonce();
    let open = false;
    ws.send(encodeValue({ kind: 'challenge', version: PROTOCOL_VERSION, nonce }));
    ws.on('message', (data: Buffer) => {
      if (open) {
        connection.frames++;
        connection.received.push(...(decodeValue(data) as Message[]));
        return;
      }
      const record = parseHandshake(decodeValue(data));
      if (record?.kind !== 'hello') return;
      const welcome = { kind: 'welcome', clusterId: identity.clusterId, id: identity.id };
      ws.send(encodeValue(identity.secret === undefined ? welcome : { ...welcome, proof: proof(identity.secret, 'acceptor', identity.clusterId, identity.id, record.from, record.nonce) }));
      open = true;
      connections.push(connection);
      sockets.push(request.socket as Socket);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    connections,
    sockets,
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * createWsTransport: raftkit's `Transport` over WebSocket, one connection per pair of nodes.
 *
 *   send(to, m) ─► encode once ─► SendQueue(to) ─┬─ end of turn ─► frames ─► ws ─► peer
 *                  (exact size)   (bounded)      └─ no connection: the smaller id dials, with
 *                                                   jittered exponential backoff
 *   peer ─► ws ─► handshake (cluster, ids, HMAC) ─► frames ─► decodeFrame ─► onMessage(from, m)
 *
 * One connection per pair: the node whose id sorts first dials, the other only accepts (a dial
 * from the larger id is refused), so no tie-break between simultaneous dials is ever needed. The
 * connection carries messages both ways. When the dialer connects again (it restarted, or its
 * old connection died without the acceptor noticing), the acceptor keeps the newest connection:
 * the dialer only ever holds one, so the newest is the live one.
 *
 * Order: messages to one peer go through one queue and one socket, so they arrive in send order
 * while the connection lasts. What is queued when a connection or a dial fails is dropped (and
 * counted), and so is what a node sends to a lost peer that dials it, until it dials again: Raft
 * resends from its own state, and a stale burst after a reconnect helps no one.
 *
 * Backpressure: a message is queued only if the queue plus what the socket still holds
 * (`bufferedAmount`) stays within `maxQueueBytes`; otherwise it is dropped. The runtime's
 * snapshot window gives end-to-end flow control on top.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Message, MessageLimits, NodeId, PeerRequests, Transport } from '@raftkit/core';
import { WebSocket, WebSocketServer } from 'ws';
import { createBackoff, type Backoff } from './backoff.js';
import { decodeFrame, encodeValue, MAX_FRAME_HEADER_BYTES } from './frame-codec.js';
import { checkHello, dials, type RefusalReason } from './handshake.js';
import { CloseCode, PeerConnection, type ConnectionHooks, type HandshakeContext } from './peer-connection.js';
import { peerUrl, resolveOptions, type PeerAddresses, type ResolvedOptions, type WsTransportOptions } from './options.js';
import { SendQueue } from './send-queue.js';
import { isChannelFrame, RequestChannel, type RequestHandler } from './request-channel.js';

/** WsTransportStats are counters since the transport was created, plus two gauges. */
export interface WsTransportStats {
  /** Frames written to sockets (each carries one or more messages). */
  readonly framesSent: number;
  readonly framesReceived: number;
  /** Messages written to sockets, inside frames. */
  readonly messagesSent: number;
  /** Messages handed to `onMessage`. */
  readonly messagesReceived: number;
  /** Messages dropped: unknown peer, too large, queue full, or queued when a connection failed. */
  readonly dropped: number;
  /** Handshakes completed. */
  readonly connections: number;
  /** Handshakes completed with a peer that had been connected before. */
  readonly reconnects: number;
  /** Handshakes refused, by this node or by the peer. */
  readonly refused: number;
  /** Connections closed because the peer broke the protocol (bad or oversized frame). */
  readonly protocolErrors: number;
  /** Connections open now. */
  readonly openConnections: number;
  /** Bytes queued or held by sockets, over all peers, now. */
  readonly queuedBytes: number;
}

/** WsPeerTraffic counts one peer's Raft traffic since the transport was created (frames as on the wire). */
export interface WsPeerTraffic {
  readonly messagesSent: number;
  readonly messagesReceived: number;
  /** Bytes of the frames written to / read from this peer's sockets. */
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/**
 * WsTransport is a `Transport` plus what a WebSocket deployment needs, with core's PeerRequests
 * capability (so `createLeaderForwarding` from `@raftkit/core` runs on it).
 */
export interface WsTransport extends Transport, PeerRequests {
  /** address is where the transport listens; valid after `start` (so tests can listen on port 0). */
  address(): { readonly host: string; readonly port: number };
  /** stats counts frames, messages, drops and connections since the transport was created. */
  stats(): WsTransportStats;
  /** peerStats is each peer's traffic, by peer id (peers never talked to are absent). */
  peerStats(): Readonly<Record<NodeId, WsPeerTraffic>>;
  /** setPeers replaces the peer table: removed peers are disconnected, new ones dialed. */
  setPeers(peers: PeerAddresses): void;
  /** addPeer adds or re-addresses one peer (a membership change). */
  addPeer(id: NodeId, address: string): void;
  /** removePeer disconnects a peer and refuses it from now on. */
  removePeer(id: NodeId): void;
  /**
   * request sends `payload` (any msgpack value) to peer `to` on the Raft connection and resolves
   * with its handler's answer. Rejects PeerRequestError; its `maybeHandled` says whether the peer
   * may have acted on the request (see request-channel.ts).
   */
  request(to: NodeId, payload: unknown, timeoutMs: number): Promise<unknown>;
  /** onRequest sets the handler that answers peers' requests (undefined: answer NO_HANDLER). */
  onRequest(handler: RequestHandler | undefined): void;
}

/** PeerLink is everything the transport holds for one peer. */
interface PeerLink {
  readonly id: NodeId;
  readonly queue: SendQueue;
  readonly backoff: Backoff;
  /** The open connection, if any. */
  connection: PeerConnection | undefined;
  /** The dial in progress (dialer side only). */
  dialing: PeerConnection | undefined;
  /** The address `dialing` or `connection` was dialed at. */
  dialedAddress: string | undefined;
  dialTimer: NodeJS.Timeout | undefined;
  flush: NodeJS.Immediate | undefined;
  everConnected: boolean;
}

type Counters = { -readonly [K in keyof WsTransportStats]: number };

/** createWsTransport validates `options` and returns a transport that is not started yet. */
export function createWsTransport(options: WsTransportOptions): WsTransport {
  const resolved = resolveOptions(options);
  return new WsTransportImpl(resolved);
}

class WsTransportImpl implements WsTransport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly traffic = new Map<NodeId, { -readonly [K in keyof WsPeerTraffic]: number }>();
  private readonly connections = new Set<PeerConnection>();
  private readonly counters: Counters = {
    framesSent: 0,
    framesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    dropped: 0,
    connections: 0,
    reconnects: 0,
    refused: 0,
    protocolErrors: 0,
    openConnections: 0,
    queuedBytes: 0,
  };
  private peerSource: PeerAddresses | (() => PeerAddresses);
  private lastPeers: PeerAddresses = {};
  private handler: ((from: NodeId, message: Message) => void) | undefined;
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  private closing: Promise<void> | undefined;
  private listening: Promise<void> | undefined;
  private server: HttpServer | HttpsServer | undefined;
  private ownServer = false;
  private readonly wss: WebSocketServer;
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly handshake: HandshakeContext;
  private readonly hooks: ConnectionHooks;
  private readonly channel: RequestChannel;
  private readonly limits: MessageLimits;
  /** Sockets accepted on the peer path and not yet closed (handshaking or open). */
  private accepted = 0;
  /** Set while the connection cap refuses sockets, so the refusal is logged once, not per socket. */
  private overCapacity = false;

  constructor(private readonly options: ResolvedOptions) {
    this.channel = new RequestChannel(options.maxPayloadBytes, (connection, reason) => {
      const peerConnection = connection as PeerConnection;
      this.protocolError(peerConnection, reason);
      peerConnection.close(CloseCode.protocolError, 'malformed frame');
    });
    this.peerSource = options.peers;
    this.handshake = {
      self: options.id,
      clusterId: options.clusterId,
      secret: options.secret,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      maxHandshakeBytes: options.maxHandshakeBytes,
    };
    // A message's data is bounded by the frame that carries it.
    this.limits = { maxEntryBytes: options.maxPayloadBytes, maxChunkBytes: options.maxPayloadBytes };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
    this.hooks = {
      opened: (connection) => this.opened(connection),
      frame: (connection, data) => this.frame(connection, data),
      refused: (connection, reason, by) => this.refused(connection, reason, by),
      protocolError: (connection, reason) => this.protocolError(connection, reason),
      error: (connection, error) => this.connectionError(connection, error),
      closed: (connection, code, reason) => this.closed(connection, code, reason),
    };
  }

  async start(onMessage: (from: NodeId, message: Message) => void): Promise<void> {
    if (this.state !== 'new') throw new Error(`transport ${this.options.id} cannot start: it is ${this.state}`);
    this.state = 'starting';
    this.listening = this.listen();
    await this.listening;
    if (this.state !== 'starting') return; // closed while listening: shutdown cleans up
    this.handler = onMessage;
    this.state = 'started';
    if (this.options.secret === undefined && this.options.tls === undefined) {
      this.options.logger.warn('peers are not authenticated (insecure): anyone who reaches the peer port can act as a member; give a secret or tls', { insecure: true });
    }
    if (this.options.keepAliveMs > 0) {
      this.keepAlive = setInterval(() => this.keepAliveRound(), this.options.keepAliveMs);
      this.keepAlive.unref();
    }
    this.sweep();
  }

  send(to: NodeId, message: Message): void {
    if (this.state === 'closed') return;
    const link = this.linkFor(to);
    if (link === undefined) {
      this.counters.dropped++;
      this.options.logger.debug(`dropped ${message.type} to unknown peer ${to}`, { peer: to });
      return;
    }
    if (link.connection === undefined && link.everConnected && !dials(this.options.id, to)) {
      // The peer, which dials this node, was connected and is gone (restarting, partitioned):
      // nothing carries the message until it dials in again, and what piled up meanwhile would
      // reach it as a stale burst held in this node's memory (a restarted follower was caught up
      // from appends queued while it was down, not by the snapshot it needed). Raft resends
      // from its own state once the peer is back. Before the first connection, sends are queued
      // (a cluster starting up delivers its first messages as soon as the dialer arrives).
      this.counters.dropped++;
      return;
    }
    let encoded: Uint8Array;
    try {
      encoded = encodeValue(message);
    } catch (error) {
      this.counters.dropped++;
      this.options.logger.error(`could not encode ${message.type} to ${to}: ${(error as Error).message}`, { peer: to });
      return;
    }
    if (!link.queue.push(encoded, link.connection?.bufferedAmount ?? 0)) {
      this.counters.dropped++;
      if (encoded.byteLength + MAX_FRAME_HEADER_BYTES > this.options.maxPayloadBytes) {
        this.options.logger.warn(`dropped ${message.type} to ${to}: ${encoded.byteLength} bytes is over maxPayloadBytes`, { peer: to, bytes: encoded.byteLength });
      }
      return;
    }
    if (link.connection !== undefined) this.scheduleFlush(link);
    else this.ensureDial(link);
  }

  request(to: NodeId, payload: unknown, timeoutMs: number): Promise<unknown> {
    const link = this.state === 'started' ? this.linkFor(to) : undefined;
    // Not connected yet: dial for the next attempt, and fail this one without sending it.
    if (link !== undefined && link.connection === undefined) this.ensureDial(link);
    return this.channel.request(link?.connection, to, payload, timeoutMs);
  }

  onRequest(handler: RequestHandler | undefined): void {
    this.channel.onRequest(handler);
  }

  async close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  address(): { readonly host: string; readonly port: number } {
    const address = this.server?.address();
    if (this.state === 'new' || address === null || address === undefined || typeof address === 'string') {
      throw new Error(`transport ${this.options.id} is not listening`);
    }
    return { host: (address as AddressInfo).address, port: (address as AddressInfo).port };
  }

  stats(): WsTransportStats {
    let queuedBytes = 0;
    for (const link of this.links.values()) queuedBytes += link.queue.byteLength + (link.connection?.bufferedAmount ?? 0);
    let openConnections = 0;
    for (const connection of this.connections) if (connection.open) openConnections++;
    return { ...this.counters, queuedBytes, openConnections };
  }

  peerStats(): Readonly<Record<NodeId, WsPeerTraffic>> {
    return Object.fromEntries([...this.traffic].map(([peer, counts]) => [peer, { ...counts }]));
  }

  private trafficOf(peer: NodeId): { -readonly [K in keyof WsPeerTraffic]: number } {
    let counts = this.traffic.get(peer);
    if (counts === undefined) this.traffic.set(peer, (counts = { messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0 }));
    return counts;
  }

  setPeers(peers: PeerAddresses): void {
    this.peerSource = { ...peers };
    this.sweep();
  }

  addPeer(id: NodeId, address: string): void {
    this.setPeers({ ...this.peers(), [id]: address });
  }

  removePeer(id: NodeId): void {
    const { [id]: _removed, ...rest } = this.peers();
    this.setPeers(rest);
  }

  // -------------------------------------------------------------------------------------------
  // Peers and dialing
  // -------------------------------------------------------------------------------------------

  /** peers reads the peer table; a throwing peer function keeps the last table it gave. */
  private peers(): PeerAddresses {
    if (typeof this.peerSource !== 'function') return this.peerSource;
    try {
      this.lastPeers = this.peerSource();
    } catch (error) {
      this.options.logger.error(`the peers function threw: ${(error as Error).message}`);
    }
    return this.lastPeers;
  }

  private isPeer(id: NodeId, peers = this.peers()): boolean {
    return id !== this.options.id && Object.hasOwn(peers, id);
  }

  private linkFor(id: NodeId): PeerLink | undefined {
    const existing = this.links.get(id);
    if (existing !== undefined) return existing;
    if (!this.isPeer(id)) return undefined;
    const link: PeerLink = {
      id,
      queue: new SendQueue(this.options.maxQueueBytes, this.options.maxPayloadBytes),
      backoff: createBackoff(this.options.reconnect),
      connection: undefined,
      dialing: undefined,
      dialedAddress: undefined,
      dialTimer: undefined,
      flush: undefined,
      everConnected: false,
    };
    this.links.set(id, link);
    return link;
  }

  /**
   * sweep brings the links in line with the peer table: links of removed peers go, peers this
   * node dials are dialed (eagerly, so the acceptor can send as soon as it has something), and a
   * peer whose address changed is redialed there.
   */
  private sweep(): void {
    if (this.state !== 'started') return;
    const peers = this.peers();
    for (const link of [...this.links.values()]) {
      if (!this.isPeer(link.id, peers)) this.removeLink(link);
      else if (link.dialedAddress !== undefined && link.dialedAddress !== peers[link.id]) {
        this.options.logger.info(`peer ${link.id} moved to ${peers[link.id]}: reconnecting`, { peer: link.id });
        link.dialedAddress = undefined;
        link.connection?.close(CloseCode.normal, 'peer moved');
        link.dialing?.terminate();
      }
    }
    for (const id of Object.keys(peers)) {
      if (id === this.options.id || !dials(this.options.id, id)) continue;
      const link = this.linkFor(id);
      if (link !== undefined) this.ensureDial(link);
    }
  }

  private removeLink(link: PeerLink): void {
    this.links.delete(link.id);
    clearTimeout(link.dialTimer);
    if (link.flush !== undefined) clearImmediate(link.flush);
    this.counters.dropped += link.queue.clear();
    link.connection?.close(CloseCode.normal, 'peer removed');
    link.dialing?.terminate();
    this.options.logger.info(`peer ${link.id} removed`, { peer: link.id });
  }

  /** ensureDial dials `link` now if this node is its dialer and nothing is connected or pending. */
  private ensureDial(link: PeerLink): void {
    if (this.state !== 'started' || !dials(this.options.id, link.id)) return;
    if (link.connection !== undefined || link.dialing !== undefined || link.dialTimer !== undefined) return;
    const address = this.peers()[link.id];
    if (address === undefined) return;
    const tls = this.options.tls;
    const url = peerUrl(address, this.options.path, tls !== undefined);
    if (tls !== undefined && !url.startsWith('wss://')) {
      // With TLS configured, a plain address would send Raft traffic in the clear: never dial it.
      this.options.logger.error(`not dialing ${link.id} at ${url}: tls is configured, so peers are dialed with wss:// only`, { peer: link.id });
      return;
    }
    const ws = new WebSocket(url, {
      maxPayload: this.options.maxPayloadBytes,
      perMessageDeflate: false,
      handshakeTimeout: this.options.handshakeTimeoutMs,
      ...(tls === undefined ? {} : { cert: tls.cert, key: tls.key, ca: tls.ca as string | Buffer | (string | Buffer)[] }),
    });
    link.dialedAddress = address;
    link.dialing = PeerConnection.dial(ws, link.id, url, this.handshake, this.hooks);
    this.connections.add(link.dialing);
    this.options.logger.debug(`dialing ${link.id} at ${url}`, { peer: link.id });
  }

  private scheduleRedial(link: PeerLink): void {
    if (this.state !== 'started' || this.links.get(link.id) !== link || !dials(this.options.id, link.id)) return;
    if (link.dialTimer !== undefined || link.dialing !== undefined || link.connection !== undefined) return;
    const delay = link.backoff.next();
    link.dialTimer = setTimeout(() => {
      link.dialTimer = undefined;
      this.ensureDial(link);
    }, delay);
  }

  // -------------------------------------------------------------------------------------------
  // Sending
  // -------------------------------------------------------------------------------------------

  /** scheduleFlush sends what is queued at the end of this turn: one turn's sends, one frame. */
  private scheduleFlush(link: PeerLink): void {
    link.flush ??= setImmediate(() => this.flush(link));
  }

  private flush(link: PeerLink): void {
    link.flush = undefined;
    const connection = link.connection;
    if (connection === undefined || !connection.open || this.state === 'closed') return;
    for (const frame of link.queue.takeFrames()) {
      connection.sendNow(frame.bytes);
      this.counters.framesSent++;
      this.counters.messagesSent += frame.count;
      const traffic = this.trafficOf(link.id);
      traffic.messagesSent += frame.count;
      traffic.bytesSent += frame.bytes.byteLength;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Connections
  // -------------------------------------------------------------------------------------------

  private async listen(): Promise<void> {
    const { listen } = this.options;
    if ('server' in listen) {
      this.server = listen.server;
    } else {
      const answer = (_request: IncomingMessage, response: ServerResponse): void => {
        response.writeHead(426, { 'content-type': 'text/plain' }).end('raftkit peer endpoint: WebSocket only\n');
      };
      // Slow or silent sockets (headers never finished, a TLS handshake never started) are cut
      // off by the handshake deadline, checked every second rather than Node's default 30 s.
      const timeouts = { headersTimeout: this.options.handshakeTimeoutMs, requestTimeout: this.options.handshakeTimeoutMs, connectionsCheckingInterval: 1000 };
      const tls = this.options.tls;
      const server =
        tls === undefined
          ? createServer(timeouts, answer)
          : createHttpsServer(
              { ...timeouts, cert: tls.cert, key: tls.key, ca: tls.ca as string | Buffer | (string | Buffer)[], requestCert: true, rejectUnauthorized: true, handshakeTimeout: this.options.handshakeTimeoutMs },
              answer,
            );
      // Every TCP socket counts, before any HTTP or TLS: the cap holds for sockets that never upgrade.
      server.maxConnections = this.options.maxConnections;
      server.on('drop', () => this.refuseOverCapacity());
      if (tls !== undefined) {
        server.on('tlsClientError', (error: Error & { code?: string }, socket: { remoteAddress?: string; remotePort?: number }) => {
          this.counters.refused++;
          this.options.logger.warn(`refused a TLS connection from ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}: ${error.code ?? error.message}`, {
            reason: error.code ?? error.message,
            remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
          });
        });
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listen.port, listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      // A server error after listening (EMFILE...) is logged, never thrown out of the process.
      server.on('error', (error) => this.options.logger.error(`peer server error: ${error.message}`));
      this.server = server;
      this.ownServer = true;
    }
    this.server.on('upgrade', this.onUpgrade);
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    let pathname: string | undefined;
    try {
      pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      pathname = undefined;
    }
    if (pathname !== this.options.path) {
      // On a shared server another listener may own this path; on ours, nobody does.
      if (this.ownServer) socket.destroy();
      return;
    }
    if (this.state !== 'started' || head.byteLength > this.options.maxHandshakeBytes) {
      socket.destroy();
      return;
    }
    // A shared server's sockets are not capped by ours: count the peer upgrades here.
    if (this.accepted >= this.options.maxConnections) {
      this.refuseOverCapacity();
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    this.overCapacity = false;
    this.accepted++;
    socket.once('close', () => this.accepted--);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const remote = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
      const connection = PeerConnection.accept(
        ws,
        remote,
        this.handshake,
        this.hooks,
        (hello, nonce) => checkHello(hello, { self: this.options.id, clusterId: this.options.clusterId, secret: this.options.secret, nonce, isPeer: (id) => this.isPeer(id) }),
        socket,
      );
      this.connections.add(connection);
    });
  };

  /** refuseOverCapacity counts a socket refused by the connection cap, and logs the first of a run. */
  private refuseOverCapacity(): void {
    this.counters.refused++;
    if (this.overCapacity) return;
    this.overCapacity = true;
    this.options.logger.warn(`refusing peer connections: ${this.options.maxConnections} open (maxConnections)`, { maxConnections: this.options.maxConnections });
  }

  private opened(connection: PeerConnection): void {
    const peer = connection.peer!;
    const link = this.linkFor(peer);
    if (this.state !== 'started' || link === undefined) {
      connection.close(CloseCode.goingAway, 'not serving');
      return;
    }
    if (connection.role === 'dialer') {
      if (link.dialing !== connection) {
        connection.close(CloseCode.normal, 'dial abandoned');
        return;
      }
      link.dialing = undefined;
    }
    const previous = link.connection;
    link.connection = connection;
    // Set the new connection first, so the old one's close handler sees it is no longer current.
    previous?.close(CloseCode.replaced, 'replaced by a newer connection');
    link.backoff.reset();
    this.counters.connections++;
    if (link.everConnected) this.counters.reconnects++;
    link.everConnected = true;
    this.options.logger.info(`connected to ${peer} (${connection.role === 'dialer' ? 'dialed' : 'accepted'})`, { peer, remote: connection.remote });
    if (link.queue.length > 0) this.scheduleFlush(link);
  }

  private frame(connection: PeerConnection, data: Uint8Array): void {
    const handler = this.handler;
    const peer = connection.peer!;
    if (this.state !== 'started' || handler === undefined) return;
    if (isChannelFrame(data) && this.channel.receive(connection, peer, data)) {
      this.counters.framesReceived++;
      return;
    }
    const decoded = decodeFrame(data, peer, this.options.id, this.limits);
    if (!decoded.ok) {
      this.protocolError(connection, decoded.reason);
      if (decoded.refusal === 'invalid-message') connection.close(CloseCode.invalidMessage, decoded.refusal);
      else connection.close(CloseCode.protocolError, 'malformed frame');
      return;
    }
    this.counters.framesReceived++;
    const traffic = this.trafficOf(peer);
    traffic.bytesReceived += data.byteLength;
    traffic.messagesReceived += decoded.messages.length;
    for (const message of decoded.messages) {
      // A handler may close the transport; nothing is delivered after close.
      if (this.state !== 'started') return;
      this.counters.messagesReceived++;
      try {
        handler(peer, message);
      } catch (error) {
        this.options.logger.error(`onMessage threw on ${message.type} from ${peer}: ${(error as Error).message}`, { peer });
      }
    }
  }

  private refused(connection: PeerConnection, reason: RefusalReason, by: 'local' | 'remote'): void {
    this.counters.refused++;
    const peer = connection.peer ?? '?';
    const fields = { peer, reason, remote: connection.remote };
    if (by === 'remote') this.options.logger.warn(`peer ${peer} refused the connection: ${reason}`, fields);
    else if (connection.role === 'acceptor') this.options.logger.warn(`refused connection from ${peer} (${connection.remote}): ${reason}`, fields);
    else this.options.logger.warn(`refused peer ${peer} (${connection.remote}): ${reason}`, fields);
  }

  private protocolError(connection: PeerConnection, reason: string): void {
    this.counters.protocolErrors++;
    const peer = connection.peer ?? '?';
    this.options.logger.warn(`closing the connection with ${peer} (${connection.remote}): ${reason}`, { peer, reason, remote: connection.remote });
  }

  private connectionError(connection: PeerConnection, error: Error & { code?: string }): void {
    // ws's own protocol errors (an oversized or invalid WebSocket frame) close the connection.
    if (error.code?.startsWith('WS_ERR_')) this.protocolError(connection, `${error.code}: ${error.message}`);
    else this.options.logger.debug(`connection with ${connection.peer ?? '?'}: ${error.message}`, { peer: connection.peer, remote: connection.remote });
  }

  private closed(connection: PeerConnection, code: number, reason: string): void {
    this.connections.delete(connection);
    this.channel.connectionClosed(connection);
    const link = connection.peer === undefined ? undefined : this.links.get(connection.peer);
    if (link === undefined) return;
    if (link.connection === connection) {
      link.connection = undefined;
      this.counters.dropped += link.queue.clear();
      this.options.logger.info(`disconnected from ${link.id} (${code}${reason === '' ? '' : ` ${reason}`})`, { peer: link.id, code, reason });
      this.scheduleRedial(link);
    } else if (link.dialing === connection) {
      link.dialing = undefined;
      this.counters.dropped += link.queue.clear();
      this.scheduleRedial(link);
    }
  }

  /**
   * keepAliveRound pings every open connection and drops one that received nothing in two rounds
   * in a row. Two, not one: after an event-loop stall the timer can run before the pong waiting
   * in the socket is read, and a healthy connection must not be dropped for that.
   */
  private keepAliveRound(): void {
    this.sweep();
    for (const connection of this.connections) {
      if (!connection.open) continue;
      connection.silentRounds = connection.alive ? 0 : connection.silentRounds + 1;
      if (connection.silentRounds >= 2) {
        this.options.logger.warn(`nothing from ${connection.peer} in ${2 * this.options.keepAliveMs} ms: dropping the connection`, { peer: connection.peer });
        connection.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    this.handler = undefined;
    this.channel.close();
    clearInterval(this.keepAlive);
    for (const link of this.links.values()) {
      clearTimeout(link.dialTimer);
      if (link.flush !== undefined) clearImmediate(link.flush);
      link.queue.clear();
    }
    const open = [...this.connections];
    const allClosed = Promise.all(open.map((connection) => new Promise<void>((resolve) => connection.ws.once('close', () => resolve()))));
    for (const connection of open) connection.close(CloseCode.goingAway, 'shutting down');
    // A peer that does not answer the closing handshake promptly is cut off.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    for (const connection of this.connections) connection.terminate();
    // A start still listening finishes first, so its server is closed too.
    await this.listening?.catch(() => {});
    const server = this.server;
    if (server === undefined) return;
    server.off('upgrade', this.onUpgrade);
    if (this.ownServer) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }
}

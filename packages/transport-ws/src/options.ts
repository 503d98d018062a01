/**
 * Options of `createWsTransport`, their defaults, and the checks that reject a configuration that
 * cannot work before anything listens or dials.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { NodeId } from '@raftkit/core';
import { MAX_FRAME_HEADER_BYTES } from './frame-codec.js';
import { defaultLogger, type WsTransportLogger } from './logger.js';

/** PeerAddresses maps each peer's id to `host:port` (or a full `ws://` / `wss://` URL). */
export type PeerAddresses = Readonly<Record<NodeId, string>>;

/**
 * ListenOptions: a host and port to listen on (port 0 picks a free one, see `address()`), or an
 * HTTP(S) server the caller owns and listens with; the transport then answers only upgrade
 * requests on `path` and leaves every other request to the server's other listeners.
 */
export type ListenOptions = { readonly host: string; readonly port: number } | { readonly server: HttpServer | HttpsServer };

/**
 * PeerTlsOptions turn on mutual TLS between peers (PEM text or bytes, as `node:tls` takes them).
 * The transport then listens with HTTPS and dials `wss://`; each side presents `cert` and
 * refuses a peer whose certificate is not signed by `ca` during the TLS handshake, before any
 * raftkit record is read. Dialing also checks that the peer's certificate names the host dialed
 * (a subjectAltName of that DNS name or IP address).
 */
export interface PeerTlsOptions {
  /** This node's certificate chain (PEM). */
  readonly cert: string | Buffer;
  /** The private key of `cert` (PEM). */
  readonly key: string | Buffer;
  /** The certificate authority (or authorities) peers' certificates must be signed by (PEM). */
  readonly ca: string | Buffer | readonly (string | Buffer)[];
}

/** WsTransportOptions configure `createWsTransport`. */
export interface WsTransportOptions {
  /** This node's id. */
  readonly id: NodeId;
  /** Connections from another cluster are refused. */
  readonly clusterId: string;
  readonly listen: ListenOptions;
  /**
   * The peers: a fixed table, or a function the transport asks each time it needs the table (at
   * start, when dialing, accepting or sending, and every `keepAliveMs`). `setPeers`, `addPeer` and
   * `removePeer` change it at run time.
   */
  readonly peers: PeerAddresses | (() => PeerAddresses);
  /** Shared secret; when set, both sides of every connection MUST prove they know it. */
  readonly secret?: string | Uint8Array;
  /** Mutual TLS between peers; see PeerTlsOptions. */
  readonly tls?: PeerTlsOptions;
  /**
   * Run with no peer authentication at all (neither `secret` nor `tls`): anyone who reaches the
   * peer port can claim to be a member. Without this, such options are refused (NO_AUTHENTICATION);
   * with it, a warning is logged at every start.
   */
  readonly insecure?: boolean;
  /**
   * Bytes a socket may send before its handshake completes (WebSocket framing included); one
   * more closes it at once. Handshake records are a few hundred bytes. Default 8 KiB.
   */
  readonly maxHandshakeBytes?: number;
  /**
   * Connections the listener holds at once (TCP sockets, handshaking or open); more are refused.
   * A cluster needs one per peer. Applies to a server the transport owns. Default 64.
   */
  readonly maxConnections?: number;
  /** Largest frame sent or accepted; a larger incoming frame closes the connection. Default 16 MiB. */
  readonly maxPayloadBytes?: number;
  /** Bytes waiting to go to one peer (queued + in the socket) beyond which sends drop. Default 32 MiB. */
  readonly maxQueueBytes?: number;
  /** Delay between dial attempts, growing from `minMs` to `maxMs` with jitter. Default 100 / 5000. */
  readonly reconnect?: { readonly minMs?: number; readonly maxMs?: number };
  /** A connection that does not complete the handshake in this time is closed. Default 5000. */
  readonly handshakeTimeoutMs?: number;
  /**
   * Every `keepAliveMs` each connection is pinged, and closed if nothing (not even a pong) came
   * in two such intervals: that finds half-open connections a crashed host leaves. 0 disables.
   * Default 5000.
   */
  readonly keepAliveMs?: number;
  /** The URL path peers connect to. Default `/raftkit/peer`. */
  readonly path?: string;
  /** Where refusals, protocol errors and connection changes are reported. Default: console, warnings and errors only. */
  readonly logger?: Partial<WsTransportLogger>;
}

/** ResolvedOptions are the options with every default filled in. */
export interface ResolvedOptions {
  readonly id: NodeId;
  readonly clusterId: string;
  readonly listen: ListenOptions;
  readonly peers: PeerAddresses | (() => PeerAddresses);
  readonly secret: string | Uint8Array | undefined;
  readonly tls: PeerTlsOptions | undefined;
  readonly insecure: boolean;
  readonly maxHandshakeBytes: number;
  readonly maxConnections: number;
  readonly maxPayloadBytes: number;
  readonly maxQueueBytes: number;
  readonly reconnect: { readonly minMs: number; readonly maxMs: number };
  readonly handshakeTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly path: string;
  readonly logger: WsTransportLogger;
}

/** WsTransportConfigErrorCode names each way the options can be invalid. */
export type WsTransportConfigErrorCode =
  | 'INVALID_ID'
  | 'INVALID_CLUSTER_ID'
  | 'INVALID_LIMIT'
  | 'INVALID_RECONNECT'
  | 'INVALID_PATH'
  | 'INVALID_SECRET'
  | 'INVALID_TLS'
  /** Neither `secret` nor `tls`, and `insecure` was not given. */
  | 'NO_AUTHENTICATION';

/** WsTransportConfigError is thrown by `createWsTransport` for options that cannot work. */
export class WsTransportConfigError extends Error {
  override readonly name = 'WsTransportConfigError';
  constructor(
    readonly code: WsTransportConfigErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

const isWhole = (value: number, min: number) => Number.isSafeInteger(value) && value >= min;

/** resolveOptions fills in defaults and validates. */
export function resolveOptions(options: WsTransportOptions): ResolvedOptions {
  if (typeof options.id !== 'string' || options.id === '') throw new WsTransportConfigError('INVALID_ID', 'id must be a non-empty string');
  if (typeof options.clusterId !== 'string' || options.clusterId === '') throw new WsTransportConfigError('INVALID_CLUSTER_ID', 'clusterId must be a non-empty string');
  if (options.secret !== undefined && options.secret.length === 0) throw new WsTransportConfigError('INVALID_SECRET', 'secret must not be empty (omit it to disable authentication)');
  const tls = options.tls;
  if (tls !== undefined) {
    const present = (value: unknown) => (typeof value === 'string' || value instanceof Uint8Array) && value.length > 0;
    const cas: readonly unknown[] = Array.isArray(tls.ca) ? tls.ca : [tls.ca];
    if (!present(tls.cert) || !present(tls.key) || cas.length === 0 || !cas.every(present)) {
      throw new WsTransportConfigError('INVALID_TLS', 'tls needs cert, key and ca (PEM text or bytes)');
    }
  }
  const insecure = options.insecure === true;
  if (options.secret === undefined && tls === undefined && !insecure) {
    throw new WsTransportConfigError('NO_AUTHENTICATION', 'give a secret, tls, or both; insecure: true runs without peer authentication');
  }
  const maxHandshakeBytes = options.maxHandshakeBytes ?? 8 * 1024;
  const maxConnections = options.maxConnections ?? 64;
  if (!isWhole(maxHandshakeBytes, 1024)) throw new WsTransportConfigError('INVALID_LIMIT', 'maxHandshakeBytes must be an integer of at least 1024');
  if (!isWhole(maxConnections, 1)) throw new WsTransportConfigError('INVALID_LIMIT', 'maxConnections must be a positive integer');
  const maxPayloadBytes = options.maxPayloadBytes ?? 16 * 1024 * 1024;
  const maxQueueBytes = options.maxQueueBytes ?? 32 * 1024 * 1024;
  // A frame holds at least one message: the header plus something.
  if (!isWhole(maxPayloadBytes, MAX_FRAME_HEADER_BYTES + 16)) throw new WsTransportConfigError('INVALID_LIMIT', `maxPayloadBytes must be an integer of at least ${MAX_FRAME_HEADER_BYTES + 16}`);
  if (!isWhole(maxQueueBytes, 1)) throw new WsTransportConfigError('INVALID_LIMIT', 'maxQueueBytes must be a positive integer');
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
  const keepAliveMs = options.keepAliveMs ?? 5000;
  if (!isWhole(handshakeTimeoutMs, 1)) throw new WsTransportConfigError('INVALID_LIMIT', 'handshakeTimeoutMs must be a positive integer');
  if (!isWhole(keepAliveMs, 0)) throw new WsTransportConfigError('INVALID_LIMIT', 'keepAliveMs must be a non-negative integer');
  const minMs = options.reconnect?.minMs ?? 100;
  const maxMs = options.reconnect?.maxMs ?? 5000;
  if (!isWhole(minMs, 1) || !isWhole(maxMs, minMs)) throw new WsTransportConfigError('INVALID_RECONNECT', 'reconnect needs integers with 1 <= minMs <= maxMs');
  const path = options.path ?? '/raftkit/peer';
  if (!path.startsWith('/')) throw new WsTransportConfigError('INVALID_PATH', 'path must start with /');
  return {
    id: options.id,
    clusterId: options.clusterId,
    listen: options.listen,
    peers: options.peers,
    secret: options.secret,
    tls,
    insecure,
    maxHandshakeBytes,
    maxConnections,
    maxPayloadBytes,
    maxQueueBytes,
    reconnect: { minMs, maxMs },
    handshakeTimeoutMs,
    keepAliveMs,
    path,
    logger: { ...defaultLogger, ...options.logger },
  };
}

/**
 * peerUrl turns a peer address into the URL to dial: `host:port` is `wss://` with TLS, `ws://`
 * without; a URL without a path (`wss://host:port`) gets `path`.
 */
export function peerUrl(address: string, path: string, tls = false): string {
  if (!address.includes('://')) return `${tls ? 'wss' : 'ws'}://${address}${path}`;
  return /^[a-z]+:\/\/[^/]+$/i.test(address) ? `${address}${path}` : address;
}

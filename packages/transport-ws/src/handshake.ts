/**
 * The handshake that opens every peer connection, before any Raft message:
 *
 *   dialer                                   acceptor
 *     │ ◄──── challenge { nonce A } ─────────── │   fresh random nonce per connection
 *     │ ───── hello { clusterId, from, to, ───► │   checks cluster, to = self, from is a peer,
 *     │         nonce D, proof(A) }             │   the dial rule, then the proof
 *     │ ◄──── welcome { clusterId, id, ──────── │   or refused { reason }, then close
 *     │         proof(D) }                      │
 *
 * With a shared secret each proof is HMAC-SHA256(secret, role, cluster, both ids, the OTHER
 * side's nonce), so each side proves it knows the secret without sending it, a recorded proof is
 * useless on another connection (the nonce is new), and a proof made for one direction or pair of
 * nodes does not fit another. Proofs are compared in constant time. The secret authenticates the
 * connection; it does not encrypt it nor protect the frames after the handshake: on a network
 * you do not control, use the `tls` option as well (mutual TLS, see the README).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '@raftkit/core';

/** The wire protocol version; a peer speaking another is refused. */
export const PROTOCOL_VERSION = 1;

/** Handshake records are tiny; anything larger before authentication is refused. */
export const MAX_HANDSHAKE_BYTES = 4096;

const NONCE_BYTES = 32;

/** ChallengeRecord opens the handshake (acceptor to dialer). */
export interface ChallengeRecord {
  readonly kind: 'challenge';
  readonly version: number;
  readonly nonce: Uint8Array;
}

/** HelloRecord introduces the dialer. */
export interface HelloRecord {
  readonly kind: 'hello';
  readonly version: number;
  readonly clusterId: string;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly nonce: Uint8Array;
  /** HMAC over the challenge nonce; absent when the dialer has no secret. */
  readonly proof?: Uint8Array;
}

/** WelcomeRecord accepts the dialer and proves the acceptor's identity in turn. */
export interface WelcomeRecord {
  readonly kind: 'welcome';
  readonly clusterId: string;
  readonly id: NodeId;
  readonly proof?: Uint8Array;
}

/** RefusedRecord says why the acceptor is closing the connection. */
export interface RefusedRecord {
  readonly kind: 'refused';
  readonly reason: RefusalReason;
}

/** RefusalReason names why a handshake failed, on either side. */
export type RefusalReason =
  /** A record of the wrong shape, or not msgpack, or too large. */
  | 'malformed-handshake'
  | 'unsupported-version'
  | 'wrong-cluster'
  /** The dialer wanted another node than the one at this address. */
  | 'wrong-node'
  /** The id is not in this node's peer list (or is this node's own id). */
  | 'unknown-peer'
  /** The dialer's id is larger: with one connection per pair only the smaller id dials. */
  | 'wrong-dialer'
  /** A secret is configured and the proof is missing or wrong. */
  | 'auth-failed'
  /** The dialer has a secret and the acceptor proved none. */
  | 'peer-unauthenticated'
  | 'handshake-timeout';

/** HandshakeRecord is any record exchanged before the connection carries Raft frames. */
export type HandshakeRecord = ChallengeRecord | HelloRecord | WelcomeRecord | RefusedRecord;

/** createNonce returns a fresh random nonce. */
export function createNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

/**
 * proof computes the HMAC a side sends. `role` is the sender's role, `from` the sender, `to` the
 * receiver and `nonce` the one the receiver chose. JSON of an array of strings is an unambiguous
 * encoding (ids may contain any character).
 */
export function proof(secret: string | Uint8Array, role: 'dialer' | 'acceptor', clusterId: string, from: NodeId, to: NodeId, nonce: Uint8Array): Uint8Array {
  const input = JSON.stringify(['raftkit-ws', PROTOCOL_VERSION, role, clusterId, from, to, Buffer.from(nonce).toString('hex')]);
  return new Uint8Array(createHmac('sha256', secret).update(input).digest());
}

/** proofMatches compares a received proof with the expected one in constant time. */
export function proofMatches(received: Uint8Array | undefined, expected: Uint8Array): boolean {
  if (received === undefined || received.byteLength !== expected.byteLength) return false;
  return timingSafeEqual(received, expected);
}

/** parseHandshake checks the shape of a decoded handshake record; undefined when malformed. */
export function parseHandshake(value: unknown): HandshakeRecord | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const isNonce = (field: unknown) => field instanceof Uint8Array && field.byteLength === NONCE_BYTES;
  const isOptionalBytes = (field: unknown) => field === undefined || field instanceof Uint8Array;
  switch (record['kind']) {
    case 'challenge':
      return typeof record['version'] === 'number' && isNonce(record['nonce']) ? (record as unknown as ChallengeRecord) : undefined;
    case 'hello':
      return typeof record['version'] === 'number' &&
        typeof record['clusterId'] === 'string' &&
        typeof record['from'] === 'string' &&
        typeof record['to'] === 'string' &&
        isNonce(record['nonce']) &&
        isOptionalBytes(record['proof'])
        ? (record as unknown as HelloRecord)
        : undefined;
    case 'welcome':
      return typeof record['clusterId'] === 'string' && typeof record['id'] === 'string' && isOptionalBytes(record['proof'])
        ? (record as unknown as WelcomeRecord)
        : undefined;
    case 'refused':
      return typeof record['reason'] === 'string' ? (record as unknown as RefusedRecord) : undefined;
    default:
      return undefined;
  }
}

/** What the acceptor knows when it checks a hello. */
export interface AcceptorContext {
  readonly self: NodeId;
  readonly clusterId: string;
  readonly secret: string | Uint8Array | undefined;
  /** The nonce this acceptor sent in its challenge. */
  readonly nonce: Uint8Array;
  isPeer(id: NodeId): boolean;
}

/**
 * checkHello decides whether the acceptor takes the dialer, or why not. The cheap public checks
 * come first; the proof is checked last, so an unknown id learns nothing about the secret.
 */
export function checkHello(hello: HelloRecord, context: AcceptorContext): RefusalReason | undefined {
  if (hello.version !== PROTOCOL_VERSION) return 'unsupported-version';
  if (hello.clusterId !== context.clusterId) return 'wrong-cluster';
  if (hello.to !== context.self) return 'wrong-node';
  if (hello.from === context.self || !context.isPeer(hello.from)) return 'unknown-peer';
  if (!dials(hello.from, context.self)) return 'wrong-dialer';
  if (context.secret !== undefined) {
    const expected = proof(context.secret, 'dialer', context.clusterId, hello.from, context.self, context.nonce);
    if (!proofMatches(hello.proof, expected)) return 'auth-failed';
  }
  return undefined;
}

/** What the dialer knows when it checks a welcome. */
export interface DialerContext {
  readonly self: NodeId;
  readonly peer: NodeId;
  readonly clusterId: string;
  readonly secret: string | Uint8Array | undefined;
  /** The nonce this dialer sent in its hello. */
  readonly nonce: Uint8Array;
}

/** checkWelcome decides whether the dialer trusts the acceptor, or why not. */
export function checkWelcome(welcome: WelcomeRecord, context: DialerContext): RefusalReason | undefined {
  if (welcome.clusterId !== context.clusterId) return 'wrong-cluster';
  if (welcome.id !== context.peer) return 'wrong-node';
  if (context.secret !== undefined) {
    const expected = proof(context.secret, 'acceptor', context.clusterId, context.peer, context.self, context.nonce);
    if (!proofMatches(welcome.proof, expected)) return 'peer-unauthenticated';
  }
  return undefined;
}

/**
 * dials is the one-connection-per-pair rule: of two nodes, the one whose id sorts first (by UTF-16
 * code units, the same on every node) dials and the other only accepts, so two nodes never race
 * to open two connections.
 */
export function dials(self: NodeId, peer: NodeId): boolean {
  return self < peer;
}

/**
 * The admission handshake between a leader and a waiting non-member (waiting-room.ts), with the
 * cluster's peer secret. The waiting node proves it knows the secret FIRST, over a nonce the
 * leader just made and one of its own; only then does the leader sign the admission, over the
 * waiting node's fresh nonce. So:
 * - a recorded admission cannot be replayed: its nonce was used once and has expired;
 * - an empty or wrong proof is refused;
 * - a caller who names its own host as `peerAddress` in `POST /v1/members` gets a nonce and
 *   nothing signed: it cannot answer the challenge without the secret.
 * Without a secret (`--insecure`) the same steps run with an empty key: nothing is proven then,
 * which the node warns about at start.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a waiting node's challenge nonce may be answered. */
export const CHALLENGE_TTL_MS = 30_000;

/** At most this many challenges are outstanding at once; older ones are dropped. */
export const MAX_OPEN_CHALLENGES = 16;

/** newNonce is 32 random bytes, hex. */
export function newNonce(): string {
  return randomBytes(32).toString('hex');
}

function sign(secret: string | undefined, fields: readonly unknown[]): string {
  return createHmac('sha256', secret ?? '').update(JSON.stringify(fields)).digest('hex');
}

/** challengeProof is the waiting node's proof over both nonces. */
export function challengeProof(secret: string | undefined, nodeId: string, leaderNonce: string, challenge: string): string {
  return sign(secret, ['raftkit-admit-challenge', nodeId, leaderNonce, challenge]);
}

/** admissionProof is the leader's proof over the waiting node's nonce and the admission. */
export function admissionProof(secret: string | undefined, challenge: string, clusterId: string, nodeId: string, peers: Readonly<Record<string, string>>): string {
  const sorted = Object.entries(peers).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return sign(secret, ['raftkit-admit', challenge, clusterId, nodeId, sorted]);
}

/** proofMatches compares in constant time; anything but a string of the right length fails. */
export function proofMatches(expected: string, proof: unknown): boolean {
  if (typeof proof !== 'string' || proof.length !== expected.length || proof === '') return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(proof));
}

/** Challenges is the waiting node's set of outstanding nonces, each usable once, until it expires. */
export class Challenges {
  private readonly open = new Map<string, number>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** issue makes a nonce (dropping expired ones, and the oldest past MAX_OPEN_CHALLENGES). */
  issue(): string {
    const now = this.now();
    for (const [nonce, expires] of this.open) if (expires <= now) this.open.delete(nonce);
    while (this.open.size >= MAX_OPEN_CHALLENGES) this.open.delete(this.open.keys().next().value!);
    const nonce = newNonce();
    this.open.set(nonce, now + CHALLENGE_TTL_MS);
    return nonce;
  }

  /** take uses `nonce` up: true once for a nonce issued and not yet expired, false ever after. */
  take(nonce: unknown): boolean {
    if (typeof nonce !== 'string') return false;
    const expires = this.open.get(nonce);
    this.open.delete(nonce);
    return expires !== undefined && expires > this.now();
  }
}

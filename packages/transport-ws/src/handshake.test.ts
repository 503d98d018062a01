import { describe, expect, it } from 'vitest';
import { checkHello, checkWelcome, createNonce, dials, parseHandshake, proof, proofMatches, PROTOCOL_VERSION, type HelloRecord } from './handshake.js';

const acceptorNonce = createNonce();
const dialerNonce = createNonce();
const context = (secret?: string) => ({ self: 'n2', clusterId: 'c1', secret, nonce: acceptorNonce, isPeer: (id: string) => ['n1', 'n3'].includes(id) });
const hello = (overrides: Partial<HelloRecord> = {}, secret?: string): HelloRecord => ({
  kind: 'hello',
  version: PROTOCOL_VERSION,
  clusterId: 'c1',
  from: 'n1',
  to: 'n2',
  nonce: dialerNonce,
  ...(secret === undefined ? {} : { proof: proof(secret, 'dialer', 'c1', 'n1', 'n2', acceptorNonce) }),
  ...overrides,
});

describe('handshake checks on the acceptor', () => {
  it('accepts a peer of the same cluster that dials by the rule, with the right proof', () => {
    expect(checkHello(hello(), context())).toBe(undefined);
    expect(checkHello(hello({}, 's3cret'), context('s3cret'))).toBe(undefined);
  });

  it('refuses with the reason: version, cluster, target node, unknown id, dial rule, proof', () => {
    expect(checkHello(hello({ version: 2 }), context())).toBe('unsupported-version');
    expect(checkHello(hello({ clusterId: 'c2' }), context())).toBe('wrong-cluster');
    expect(checkHello(hello({ to: 'n3' }), context())).toBe('wrong-node');
    expect(checkHello(hello({ from: 'n0' }), context())).toBe('unknown-peer');
    expect(checkHello(hello({ from: 'n2' }), { ...context(), isPeer: () => true })).toBe('unknown-peer');
    expect(checkHello(hello({ from: 'n3' }), context())).toBe('wrong-dialer');
    expect(checkHello(hello({}, 'wrong'), context('s3cret'))).toBe('auth-failed');
    expect(checkHello(hello(), context('s3cret'))).toBe('auth-failed');
  });

  it('a proof is bound to the nonce, the direction and the pair: a replay or reuse fails', () => {
    const replayed = hello({ proof: proof('s', 'dialer', 'c1', 'n1', 'n2', createNonce()) });
    const reflected = hello({ proof: proof('s', 'acceptor', 'c1', 'n1', 'n2', acceptorNonce) });
    const otherPair = hello({ proof: proof('s', 'dialer', 'c1', 'n1', 'n3', acceptorNonce) });
    expect([replayed, reflected, otherPair].map((record) => checkHello(record, context('s')))).toEqual(['auth-failed', 'auth-failed', 'auth-failed']);
  });
});

describe('handshake checks on the dialer', () => {
  const dialer = (secret?: string) => ({ self: 'n1', peer: 'n2', clusterId: 'c1', secret, nonce: dialerNonce });
  const welcome = (secret?: string) => ({
    kind: 'welcome' as const,
    clusterId: 'c1',
    id: 'n2',
    ...(secret === undefined ? {} : { proof: proof(secret, 'acceptor', 'c1', 'n2', 'n1', dialerNonce) }),
  });

  it('accepts the expected node of its cluster, and with a secret only one that proves it', () => {
    expect(checkWelcome(welcome(), dialer())).toBe(undefined);
    expect(checkWelcome(welcome('s'), dialer('s'))).toBe(undefined);
    expect(checkWelcome(welcome(), dialer('s'))).toBe('peer-unauthenticated');
    expect(checkWelcome(welcome('other'), dialer('s'))).toBe('peer-unauthenticated');
    expect(checkWelcome({ ...welcome(), clusterId: 'c9' }, dialer())).toBe('wrong-cluster');
    expect(checkWelcome({ ...welcome(), id: 'n7' }, dialer())).toBe('wrong-node');
  });
});

describe('handshake helpers', () => {
  it('proofMatches is false for a missing or wrong-length proof instead of throwing', () => {
    const expected = proof('s', 'dialer', 'c', 'a', 'b', acceptorNonce);
    expect([proofMatches(undefined, expected), proofMatches(expected.subarray(1), expected), proofMatches(expected.slice(), expected)]).toEqual([false, false, true]);
  });

  it('parseHandshake refuses records of the wrong shape', () => {
    expect(parseHandshake({ kind: 'challenge', version: 1, nonce: new Uint8Array(31) })).toBe(undefined);
    expect(parseHandshake({ kind: 'hello', version: 1, clusterId: 'c', from: 'a', to: 'b', nonce: dialerNonce, proof: 'x' })).toBe(undefined);
    expect(parseHandshake([1])).toBe(undefined);
    expect(parseHandshake({ kind: 'refused', reason: 'wrong-cluster' })).toEqual({ kind: 'refused', reason: 'wrong-cluster' });
  });

  it('exactly one of two nodes dials the other', () => {
    expect([dials('a', 'b'), dials('b', 'a'), dials('n10', 'n9'), dials('n9', 'n10')]).toEqual([true, false, true, false]);
  });
});

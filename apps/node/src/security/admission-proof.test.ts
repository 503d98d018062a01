import { describe, expect, it } from 'vitest';
import { admissionProof, challengeProof, Challenges, CHALLENGE_TTL_MS, MAX_OPEN_CHALLENGES, proofMatches } from './admission-proof.js';

describe('admission proofs', () => {
  const peers = { n1: '127.0.0.1:7001', n2: '127.0.0.1:7002' };

  it('depend on the secret, the nonces and every field', () => {
    const proof = admissionProof('secret-a', 'c1', 'cluster', 'n4', peers);
    expect(proofMatches(proof, admissionProof('secret-a', 'c1', 'cluster', 'n4', { n2: peers.n2, n1: peers.n1 }))).toBe(true);
    expect(proofMatches(proof, admissionProof('secret-b', 'c1', 'cluster', 'n4', peers))).toBe(false);
    expect(proofMatches(proof, admissionProof('secret-a', 'c2', 'cluster', 'n4', peers))).toBe(false);
    expect(proofMatches(proof, admissionProof('secret-a', 'c1', 'cluster', 'n5', peers))).toBe(false);
    expect(challengeProof('s', 'n4', 'l1', 'c1')).not.toBe(challengeProof('s', 'n4', 'l2', 'c1'));
  });

  it('refuses an empty or non-string proof', () => {
    const expected = admissionProof(undefined, 'c1', 'cluster', 'n4', peers);
    expect(expected).not.toBe('');
    expect([proofMatches(expected, ''), proofMatches(expected, undefined), proofMatches(expected, 42), proofMatches(expected, expected.slice(1))]).toEqual([false, false, false, false]);
  });
});

describe('Challenges', () => {
  it('takes each nonce once, and only before it expires', () => {
    let now = 0;
    const challenges = new Challenges(() => now);
    const first = challenges.issue();
    expect(challenges.take(first)).toBe(true);
    expect(challenges.take(first)).toBe(false);
    const second = challenges.issue();
    now += CHALLENGE_TTL_MS;
    expect(challenges.take(second)).toBe(false);
    expect(challenges.take('never-issued')).toBe(false);
    expect(challenges.take(undefined)).toBe(false);
  });

  it('keeps at most MAX_OPEN_CHALLENGES, dropping the oldest', () => {
    const challenges = new Challenges(() => 0);
    const issued = Array.from({ length: MAX_OPEN_CHALLENGES + 1 }, () => challenges.issue());
    expect(challenges.take(issued[0])).toBe(false);
    expect(challenges.take(issued.at(-1))).toBe(true);
  });
});

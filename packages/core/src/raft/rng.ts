/**
 * Rng returns a float in [0, 1). The core never calls Math.random: randomness is injected so
 * the same seed and inputs give the same effects, byte for byte.
 */
export type Rng = () => number;

/** createSeededRng returns a small, fast deterministic generator (mulberry32). */
export function createSeededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** hashSeed folds a string into a 32-bit seed (FNV-1a), e.g. to derive a default from an id. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

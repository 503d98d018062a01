/**
 * SimRandom: the simulator's seeded choices. Every random decision of a run (message delays and
 * losses, disk delays, crash prefixes, faults, the workload, election timeouts) comes from a
 * stream derived from the run's one seed, so the same seed gives the same run.
 */
import { createSeededRng, hashSeed, type Rng } from '@raftkit/core';

/** SimRandom wraps a seeded generator with the draws the simulator needs. */
export class SimRandom {
  constructor(readonly next: Rng) {}

  /** int returns an integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** chance is true with probability `probability`. */
  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability;
  }

  /** pick returns one element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** shuffled returns a copy of `items` in random order (Fisher–Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }

  /** weighted picks a key with probability proportional to its weight (weights ≥ 0, some > 0). */
  weighted<Key extends string>(weights: Readonly<Record<Key, number>>): Key {
    const keys = Object.keys(weights) as Key[];
    let total = 0;
    for (const key of keys) total += Math.max(0, weights[key]);
    if (total <= 0) throw new RangeError('weighted() needs at least one positive weight');
    let point = this.next() * total;
    for (const key of keys) {
      point -= Math.max(0, weights[key]);
      if (point < 0) return key;
    }
    return keys[keys.length - 1]!;
  }
}

/**
 * deriveRandom returns the stream named `label` of run `seed`. Separate streams keep one part of
 * a run from shifting another: a workload that draws one more number leaves message delays alone.
 */
export function deriveRandom(seed: number, label: string): SimRandom {
  return new SimRandom(createSeededRng(hashSeed(`${seed}/${label}`)));
}

/** deriveRng is `deriveRandom` as a bare generator, e.g. for a node's `RaftConfig.random`. */
export function deriveRng(seed: number, label: string): Rng {
  return createSeededRng(hashSeed(`${seed}/${label}`));
}

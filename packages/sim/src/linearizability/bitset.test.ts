import { describe, expect, it } from 'vitest';
import { Bitset } from './bitset.js';

describe('Bitset', () => {
  it('sets, clears and reads bits on both sides of a word boundary', () => {
    const bits = new Bitset(70);
    bits.set(31);
    bits.set(32);
    bits.set(69);
    expect([bits.has(30), bits.has(31), bits.has(32), bits.has(69)]).toEqual([false, true, true, true]);
    bits.clear(32);
    expect(bits.has(32)).toBe(false);
    expect(Array.from(bits.words)).toEqual([0x80000000, 0, 1 << 5]);
  });

  it('copyWith returns an independent copy with one more bit, which equalsWith recognizes', () => {
    const bits = new Bitset(40);
    bits.set(3);
    const copy = bits.copyWith(35);
    expect([copy.has(3), copy.has(35), bits.has(35)]).toEqual([true, true, false]);
    expect(bits.equalsWith(copy, 35)).toBe(true);
    expect(bits.equalsWith(copy, 34)).toBe(false);
    bits.set(35);
    expect(bits.equalsWith(copy, 35)).toBe(true);
    bits.set(36);
    expect(bits.equalsWith(copy, 35)).toBe(false);
  });
});

/**
 * Bitset is the set of operations already linearized on the current search path, one bit per
 * operation. It is half of a memo key, so it must compare and copy cheaply.
 */
export class Bitset {
  readonly words: Uint32Array;

  constructor(size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array(Math.ceil(size / 32));
  }

  set(bit: number): void {
    this.words[bit >>> 5]! |= 1 << (bit & 31);
  }

  clear(bit: number): void {
    this.words[bit >>> 5]! &= ~(1 << (bit & 31));
  }

  has(bit: number): boolean {
    return (this.words[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  /** copyWith returns a copy with one more bit set, for storing in the memo. */
  copyWith(bit: number): Bitset {
    const copy = new Bitset(0, this.words.slice());
    copy.set(bit);
    return copy;
  }

  /**
   * equalsWith tells whether `other` equals this set plus `bit`, without building that set: the
   * search asks it on every step and most answers are "no".
   */
  equalsWith(other: Bitset, bit: number): boolean {
    const index = bit >>> 5;
    const words = this.words;
    const otherWords = other.words;
    for (let i = 0; i < words.length; i++) {
      const word = i === index ? (words[i]! | (1 << (bit & 31))) >>> 0 : words[i]!;
      if (word !== otherWords[i]) return false;
    }
    return true;
  }
}

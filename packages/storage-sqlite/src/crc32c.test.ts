import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

const ascii = (text: string) => new TextEncoder().encode(text);

/** The definition, one bit at a time: slow and obviously right. */
function bitwiseCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('crc32c', () => {
  it('matches the standard check value for "123456789" (0xE3069283)', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
  });

  it('matches the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, position) => position))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, position) => 31 - position))).toBe(0x113fdb5c);
  });

  it('is 0 for no bytes, and continuing from a previous value equals one pass over both parts', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const bytes = Uint8Array.from({ length: 1000 }, (_, position) => (position * 131) % 256);
    for (const split of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      expect(crc32c(bytes.subarray(split), crc32c(bytes.subarray(0, split)))).toBe(crc32c(bytes));
    }
  });

  it('matches the bitwise definition for lengths 0 to 300 at every alignment (the word loop and its edges)', () => {
    const buffer = Uint8Array.from({ length: 320 }, (_, position) => (position * 89 + 7) % 256);
    for (let offset = 0; offset < 4; offset++) {
      for (let length = 0; length <= 300; length++) {
        const bytes = buffer.subarray(offset, offset + length);
        expect(crc32c(bytes)).toBe(bitwiseCrc32c(bytes));
      }
    }
  });

  it('changes when any single bit of the input flips', () => {
    const bytes = ascii('raftkit log entry 42');
    const original = crc32c(bytes);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(crc32c(flipped)).not.toBe(original);
    }
  });
});

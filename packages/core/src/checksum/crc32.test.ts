import { describe, expect, it } from 'vitest';
import { createCrc32, crc32, CRC32_CASTAGNOLI, CRC32_IEEE } from './crc32.js';

const ascii = (text: string) => new TextEncoder().encode(text);

/** The definition, one bit at a time: slow and obviously right. */
function bitwise(polynomial: number, bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('createCrc32', () => {
  it('gives the standard check values of "123456789" (IEEE 0xCBF43926, Castagnoli 0xE3069283) and 0 for no bytes', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(createCrc32(CRC32_CASTAGNOLI)(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('matches the bitwise definition for lengths 0 to 200 at every alignment (the word loop and its edges)', () => {
    const buffer = Uint8Array.from({ length: 220 }, (_, position) => (position * 89 + 7) % 256);
    for (let offset = 0; offset < 4; offset++) {
      for (let length = 0; length <= 200; length++) {
        const bytes = buffer.subarray(offset, offset + length);
        expect(crc32(bytes)).toBe(bitwise(CRC32_IEEE, bytes));
      }
    }
  });

  it('continues from a previous value: crc(b, crc(a)) is the CRC of a then b', () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, position) => (position * 131) % 256);
    for (const split of [0, 1, 63, 64, 65, 999, 1000]) {
      expect(crc32(bytes.subarray(split), crc32(bytes.subarray(0, split)))).toBe(crc32(bytes));
    }
  });
});

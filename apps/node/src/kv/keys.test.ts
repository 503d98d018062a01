import { describe, expect, it } from 'vitest';
import { keyProblem, MAX_KEY_BYTES } from './keys.js';

describe('keyProblem', () => {
  it('measures a key in UTF-8 bytes, however its characters are made (1 to 4 bytes each)', () => {
    expect(MAX_KEY_BYTES).toBe(1024);
    expect(keyProblem('')).toBe('the key is empty');
    expect(keyProblem(42)).toBe('the key must be a string');
    expect(keyProblem('k'.repeat(1024))).toBeUndefined();
    expect(keyProblem('k'.repeat(1025))).toBe('the key is 1025 bytes; at most 1024');
    expect(keyProblem('€'.repeat(341))).toBeUndefined(); // 1,023 bytes: short enough not to encode
    expect(keyProblem('€'.repeat(342))).toBe('the key is 1026 bytes; at most 1024');
    expect(keyProblem('é'.repeat(512))).toBeUndefined();
    expect(keyProblem('é'.repeat(513))).toBe('the key is 1026 bytes; at most 1024');
    expect(keyProblem('😀'.repeat(256))).toBeUndefined();
    expect(keyProblem('😀'.repeat(257))).toBe('the key is 1028 bytes; at most 1024');
  });
});

import { describe, expect, it } from 'vitest';
import { CodecError, createJsonCodec } from './codec.js';

const codec = createJsonCodec<unknown>();

describe('createJsonCodec', () => {
  it('round-trips what JSON represents', () => {
    const value = { a: [1, 'two', null, true, { b: -3.5 }], 'odd key': '', nested: { empty: [] } };
    expect(codec.decode(codec.encode(value))).toEqual(value);
  });

  it('leaves out an object property that is undefined (it reads back as absent)', () => {
    expect(codec.decode(codec.encode({ a: 1, b: undefined }))).toEqual({ a: 1 });
  });

  it.each([
    ['a Uint8Array', { data: new Uint8Array([1, 2]) }, '$.data', 'Uint8Array'],
    ['a Map', { m: new Map([['k', 1]]) }, '$.m', 'Map'],
    ['a Set', [1, new Set([1])], '$[1]', 'Set'],
    ['a Date', { at: new Date(0) }, '$.at', 'Date'],
    ['a class instance', { x: new (class Point {})() }, '$.x', 'Point'],
    ['undefined itself', undefined, '$', 'undefined'],
    ['undefined in an array', [1, undefined], '$[1]', 'undefined'],
    ['an array hole', [1, , 3], '$[1]', 'hole'],
    ['a BigInt', { n: 10n }, '$.n', 'BigInt'],
    ['NaN', { n: Number.NaN }, '$.n', 'NaN'],
    ['Infinity', { 'a b': [Infinity] }, '$["a b"][0]', 'Infinity'],
    ['a function', { f: () => 1 }, '$.f', 'function'],
    ['a symbol', Symbol('s'), '$', 'symbol'],
  ])('refuses %s with CodecError UNSUPPORTED_VALUE and its path', (_name, value, path, mention) => {
    let thrown: unknown;
    try {
      codec.encode(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CodecError);
    expect(thrown).toMatchObject({ code: 'UNSUPPORTED_VALUE', path });
    expect((thrown as Error).message).toContain(mention);
  });

  it('refuses a cycle', () => {
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => codec.encode(cyclic)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VALUE', path: '$.self' }));
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { k: 1 };
    expect(codec.decode(codec.encode([shared, shared]))).toEqual([{ k: 1 }, { k: 1 }]);
  });

  it('refuses bytes that are not UTF-8 JSON with CodecError INVALID_BYTES', () => {
    expect(() => codec.decode(new Uint8Array([0xff]))).toThrow(expect.objectContaining({ code: 'INVALID_BYTES' }));
    expect(() => codec.decode(new TextEncoder().encode('{'))).toThrow(expect.objectContaining({ code: 'INVALID_BYTES' }));
  });
});

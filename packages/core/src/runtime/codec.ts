import type { Codec } from './interfaces.js';

/**
 * createJsonCodec is the default command codec: JSON text in UTF-8. Values JSON cannot represent
 * (undefined, functions, symbols) are refused at encode time rather than silently lost.
 */
export function createJsonCodec<T>(): Codec<T> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    encode(value: T): Uint8Array {
      const text = JSON.stringify(value) as string | undefined;
      if (text === undefined) throw new TypeError(`cannot encode ${typeof value} as JSON`);
      return encoder.encode(text);
    },
    decode(bytes: Uint8Array): T {
      return JSON.parse(decoder.decode(bytes)) as T;
    },
  };
}

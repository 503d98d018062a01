import type { Codec } from './interfaces.js';

/** CodecErrorCode says why a value or bytes could not pass through a codec. */
export type CodecErrorCode = 'UNSUPPORTED_VALUE' | 'INVALID_BYTES';

/**
 * CodecError: `encode` met a value the codec cannot give back unchanged (UNSUPPORTED_VALUE, with
 * the `path` to it, e.g. `$.items[2]`), or `decode` met bytes that are not an encoded value
 * (INVALID_BYTES). A proposal whose command cannot be encoded rejects with it and appends nothing.
 */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly code: CodecErrorCode,
    message: string,
    readonly path: string = '$',
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/**
 * createJsonCodec is the default command codec: JSON text in UTF-8. It encodes only what JSON gives
 * back unchanged: `null`, booleans, finite numbers, strings, arrays and plain objects of those. Anything
 * else is refused with CodecError UNSUPPORTED_VALUE instead of being silently changed: a
 * `Uint8Array` would come back as `{"0":1,...}`, a `Map` or `Set` as `{}`, a `Date` as a string,
 * `NaN` as `null`, and `undefined`, a BigInt, a function or a symbol would be lost or throw. An
 * object property whose value is `undefined` is left out (it reads back as absent, as an optional
 * property); `undefined` anywhere else (the value itself, an array element) is refused. Encode
 * bytes as base64 strings, maps as arrays of pairs, dates as numbers, or bring your own Codec.
 */
export function createJsonCodec<T>(): Codec<T> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    encode(value: T): Uint8Array {
      assertJsonValue(value, '$', []);
      return encoder.encode(JSON.stringify(value));
    },
    decode(bytes: Uint8Array): T {
      try {
        return JSON.parse(decoder.decode(bytes)) as T;
      } catch (error) {
        throw new CodecError('INVALID_BYTES', `not UTF-8 JSON: ${error instanceof Error ? error.message : String(error)}`, '$', { cause: error });
      }
    },
  };
}

/** assertJsonValue throws CodecError at the first part of `value` JSON would not give back unchanged. */
function assertJsonValue(value: unknown, path: string, parents: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw unsupported(`the number ${String(value)} (JSON has only finite numbers)`, path);
      return;
    case 'undefined':
      throw unsupported('undefined', path);
    case 'bigint':
      throw unsupported('a BigInt (encode it as a string)', path);
    case 'function':
    case 'symbol':
      throw unsupported(`a ${typeof value}`, path);
    case 'object':
      break;
  }
  if (value === null) return;
  const object = value as object;
  if (parents.includes(object)) throw unsupported('a cycle', path);
  parents.push(object);
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) {
      if (!(index in object)) throw unsupported('an array hole', `${path}[${index}]`);
      assertJsonValue(object[index], `${path}[${index}]`, parents);
    }
  } else {
    const prototype = Object.getPrototypeOf(object) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
      throw unsupported(`a ${typeof name === 'string' && name !== '' ? name : 'non-plain object'} (only plain objects and arrays)`, path);
    }
    if (Object.getOwnPropertySymbols(object).length > 0) throw unsupported('an object with symbol keys', path);
    for (const [key, property] of Object.entries(object)) {
      // JSON leaves such a property out; it reads back as absent, which an optional property means.
      if (property === undefined) continue;
      assertJsonValue(property, `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`, parents);
    }
  }
  parents.pop();
}

function unsupported(what: string, path: string): CodecError {
  return new CodecError('UNSUPPORTED_VALUE', `${path} is ${what}, which JSON cannot give back unchanged`, path);
}

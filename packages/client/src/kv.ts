/**
 * Typed helpers for the reference node's key-value store, over `command()` and `query()`. Keys
 * are 1–1024 UTF-8 bytes; a key outside that range is refused here, before anything is sent,
 * with the RequestRejectedError (BAD_REQUEST) the node would answer.
 */
import { RequestRejectedError } from './errors.js';
import type { CommandResult, KvCommand, KvQuery, QueryResult } from './protocol.js';

/** MAX_KEY_BYTES is the longest key the reference node accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** GetOptions change how `get` is served. */
export interface GetOptions {
  /** `true` reads the contacted node's local state (may be behind); default linearizable. */
  readonly stale?: boolean;
}

/** CasResult is the outcome of a compare-and-set, decided inside apply. */
export interface CasResult {
  /** True when the value matched `expect` and was replaced. */
  readonly ok: boolean;
  /** The value after the command applied: the new value when `ok`, else the one that differed. */
  readonly current: string | null;
  /** The log index of the command. */
  readonly index: number;
}

/** WriteResult answers put and delete. */
export interface WriteResult {
  /** The log index the write applied at. */
  readonly index: number;
}

/** KvClient reads and writes the reference node's key-value store. */
export interface KvClient {
  /** put sets `key` to `value` (a string is stored as its UTF-8 bytes). */
  put(key: string, value: string | Uint8Array): Promise<WriteResult>;
  /** get returns the value of `key`, or null when it is absent. */
  get(key: string, options?: GetOptions): Promise<Uint8Array | null>;
  /** getString returns the value of `key` decoded as UTF-8, or null when absent; TypeError if not UTF-8. */
  getString(key: string, options?: GetOptions): Promise<string | null>;
  /** delete removes `key`; it succeeds also when the key is absent. */
  delete(key: string): Promise<WriteResult>;
  /** cas sets `key` to `value` if its value is `expect` (null: absent), decided inside apply. */
  cas(key: string, expect: string | null, value: string): Promise<CasResult>;
}

/** The calls the KV helpers need from a client. */
export interface KvTransport {
  /** command sends a write and resolves with its result once it is applied. */
  command(command: KvCommand): Promise<CommandResult>;
  /** query sends a read: linearizable, or answered locally by the node with `stale`. */
  query(query: KvQuery, options?: { readonly stale?: boolean }): Promise<QueryResult>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** createKvClient returns the KV helpers over `client`. */
export function createKvClient(client: KvTransport): KvClient {
  const get = async (key: string, options: GetOptions = {}): Promise<Uint8Array | null> => {
    checkKey(key);
    const result = await client.query({ op: 'get', key }, options.stale === true ? { stale: true } : {});
    return result.value;
  };
  return {
    async put(key, value) {
      checkKey(key);
      const bytes = typeof value === 'string' ? encoder.encode(value) : value;
      const { index } = await client.command({ op: 'put', key, value: bytes });
      return { index };
    },
    get,
    async getString(key, options) {
      const value = await get(key, options);
      return value === null ? null : decoder.decode(value);
    },
    async delete(key) {
      checkKey(key);
      const { index } = await client.command({ op: 'delete', key });
      return { index };
    },
    async cas(key, expect, value) {
      checkKey(key);
      const result = await client.command({ op: 'cas', key, expect, value });
      if (result.cas === undefined || result.cas === null) {
        // createClient's command() already refuses such an answer; another KvTransport may not.
        throw new TypeError(`the node answered a cas without its outcome (index ${result.index})`);
      }
      return { ok: result.cas.ok, current: result.cas.current, index: result.index };
    },
  };
}

/** checkKey refuses a key the node would refuse, so the call fails without a round trip. */
function checkKey(key: string): void {
  const bytes = encoder.encode(key).byteLength;
  if (bytes === 0 || bytes > MAX_KEY_BYTES) {
    throw new RequestRejectedError('BAD_REQUEST', `a key is 1–${MAX_KEY_BYTES} UTF-8 bytes, this one ${bytes}`);
  }
}

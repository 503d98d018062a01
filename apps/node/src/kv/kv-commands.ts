/**
 * The node's KV commands: the client protocol's `put` / `delete` / `cas` (KvCommand, unchanged)
 * plus the string commands the Redis-protocol front needs (SET with conditions and expiry,
 * INCRBY, MSET, GETDEL, APPEND, multi-key DEL, and a read through the log for keys with a TTL).
 *
 * Every extended command carries `atMs`: the proposing LEADER's wall clock, stamped by
 * `stampLeaderClock` on the leader right before it proposes (the same reading the session
 * wrapper's `timestampMs` gets). Expiry is decided inside apply from the largest `atMs` seen, so
 * every replica expires the same keys at the same entry; no replica reads its own clock.
 */
import type { KvCommand, KvQuery } from '@raftkit/client';
import { keyProblem } from './keys.js';

/** SetCondition: SET's NX (only when absent) or XX (only when present). */
export type SetCondition = 'nx' | 'xx';

/** KvExtendedCommand is a string command of the Redis-protocol front. `atMs` is 0 until the leader stamps it. */
export type KvExtendedCommand =
  | {
      readonly op: 'set';
      readonly key: string;
      readonly value: Uint8Array;
      readonly condition?: SetCondition;
      /** Answer the previous value (SET ... GET). */
      readonly get?: boolean;
      /** Expire after this many ms of leader time (EX / PX); absent: no expiry unless keepTtl. */
      readonly ttlMs?: number;
      /** Expire at this leader wall-clock ms (EXAT / PXAT). */
      readonly expireAtMs?: number;
      /** Keep the key's current expiry (KEEPTTL). */
      readonly keepTtl?: boolean;
      readonly atMs: number;
    }
  /** INCRBY with `by` a decimal int64 (INCR, DECR and DECRBY are this with 1, -1, -n). */
  | { readonly op: 'incrby'; readonly key: string; readonly by: string; readonly atMs: number }
  /** MSET: every pair in one entry, so all or none are visible. */
  | { readonly op: 'mset'; readonly key: string; readonly pairs: readonly (readonly [string, Uint8Array])[]; readonly atMs: number }
  | { readonly op: 'getdel'; readonly key: string; readonly atMs: number }
  | { readonly op: 'append'; readonly key: string; readonly value: Uint8Array; readonly atMs: number }
  /** DEL k1 k2 ...: answers how many existed. */
  | { readonly op: 'del'; readonly key: string; readonly keys: readonly string[]; readonly atMs: number }
  /**
   * A read through the log: the values of `keys` at this entry, after expiring what the leader's
   * clock says is due. Used for keys that carry a TTL, so their expiry is decided in apply.
   */
  | { readonly op: 'read'; readonly key: string; readonly keys: readonly string[]; readonly atMs: number }
  /**
   * Removes every key whose expiry is due at this entry. The leader proposes it now and then
   * when it sees a due expiry (resp-front.ts), so keys that expire unread do not stay in memory.
   */
  | { readonly op: 'sweep'; readonly atMs: number };

/** NodeKvCommand is every write of the node's log. */
export type NodeKvCommand = KvCommand | KvExtendedCommand;

/** NodeKvQuery is every read the node answers: the client protocol's get, plus multi-key get and size. */
export type NodeKvQuery = KvQuery | { readonly op: 'mget'; readonly keys: readonly string[] } | { readonly op: 'dbsize' };

/** KvReply answers an extended command, in Redis's reply vocabulary. Integers are decimal strings (int64). */
export type KvReply =
  | { readonly type: 'ok' }
  | { readonly type: 'nil' }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'integer'; readonly value: string }
  | { readonly type: 'values'; readonly values: readonly (Uint8Array | null)[] }
  /** A Redis error text (e.g. `ERR value is not an integer or out of range`); nothing changed. */
  | { readonly type: 'error'; readonly message: string };

const EXTENDED_OPS = new Set(['set', 'incrby', 'mset', 'getdel', 'append', 'del', 'read', 'sweep']);

/** isExtendedCommand tells the extended commands from the client protocol's. */
export function isExtendedCommand(command: NodeKvCommand): command is KvExtendedCommand {
  return EXTENDED_OPS.has(command.op);
}

/**
 * stampLeaderClock gives an extended command the leader's clock reading `nowMs`. Called on the
 * leader when it proposes, so a command forwarded from a follower still carries leader time.
 */
export function stampLeaderClock(command: NodeKvCommand, nowMs: number): NodeKvCommand {
  return isExtendedCommand(command) ? { ...command, atMs: nowMs } : command;
}

/** INT64_MIN is the smallest value INCRBY may reach (Redis integers are int64). */
export const INT64_MIN = -(2n ** 63n);
/** INT64_MAX is the largest value INCRBY may reach. */
export const INT64_MAX = 2n ** 63n - 1n;

/** parseInt64 reads a Redis integer (no sign on zero, no leading zeros, no spaces), or undefined. */
export function parseInt64(text: string): bigint | undefined {
  if (!/^(0|-?[1-9][0-9]{0,19})$/.test(text)) return undefined;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/** queryProblem says why a query (from a peer: checked at run time) is malformed, or undefined. */
export function queryProblem(query: unknown): string | undefined {
  if (typeof query !== 'object' || query === null) return 'a query must be an object';
  const record = query as Record<string, unknown>;
  switch (record['op']) {
    case 'get':
      return keyProblem(record['key']);
    case 'mget': {
      const keys = record['keys'];
      if (!Array.isArray(keys) || keys.length === 0) return 'mget needs "keys": a non-empty list';
      for (const key of keys) {
        const problem = keyProblem(key);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    case 'dbsize':
      return undefined;
    default:
      return `unknown query op ${JSON.stringify(record['op'])}`;
  }
}

/** extendedCommandProblem says why an extended command is malformed, or undefined. Checked in apply too. */
export function extendedCommandProblem(record: Record<string, unknown>): string | undefined {
  if (typeof record['atMs'] !== 'number' || !Number.isFinite(record['atMs'])) return `${String(record['op'])} needs "atMs": a finite number`;
  if (record['op'] === 'sweep') return undefined;
  const keyIssue = keyProblem(record['key']);
  if (keyIssue !== undefined) return keyIssue;
  switch (record['op']) {
    case 'set': {
      if (!(record['value'] instanceof Uint8Array)) return 'set needs a byte value';
      const condition = record['condition'];
      if (condition !== undefined && condition !== 'nx' && condition !== 'xx') return 'set "condition" must be nx or xx';
      for (const name of ['ttlMs', 'expireAtMs'] as const) {
        const value = record[name];
        if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)) return `set "${name}" must be a positive integer`;
      }
      if (record['ttlMs'] !== undefined && record['expireAtMs'] !== undefined) return 'set takes one of "ttlMs" and "expireAtMs"';
      return undefined;
    }
    case 'incrby':
      return typeof record['by'] === 'string' && parseInt64(record['by']) !== undefined ? undefined : 'incrby needs "by": a decimal int64';
    case 'mset': {
      const pairs = record['pairs'];
      if (!Array.isArray(pairs) || pairs.length === 0) return 'mset needs "pairs": a non-empty list';
      for (const pair of pairs) {
        if (!Array.isArray(pair) || pair.length !== 2 || !(pair[1] instanceof Uint8Array)) return 'mset pairs are [key, bytes]';
        const problem = keyProblem(pair[0]);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    case 'getdel':
      return undefined;
    case 'append':
      return record['value'] instanceof Uint8Array ? undefined : 'append needs a byte value';
    case 'del':
    case 'read': {
      const keys = record['keys'];
      if (!Array.isArray(keys) || keys.length === 0) return `${record['op']} needs "keys": a non-empty list`;
      for (const key of keys) {
        const problem = keyProblem(key);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return `unknown op ${JSON.stringify(record['op'])}`;
  }
}

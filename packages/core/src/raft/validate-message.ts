/**
 * validateMessage checks a value received from outside (a peer, over any transport) against the
 * shape of `Message` before the core sees it. The core trusts its inputs: a missing `entries`, a
 * term of 2^53 (where `term + 1` no longer changes the number) or a config entry that is not a
 * configuration would throw deep inside it, and a throw there is "a bug in me" that stops the
 * node. A bad message from outside is refused here instead, with a typed error, and the node
 * goes on.
 *
 * What is checked, per message type: every field has its type; every number is a safe,
 * non-negative integer below `Number.MAX_SAFE_INTEGER` (so `+ 1` is exact); byte fields are
 * Uint8Array; ids and strings are bounded; arrays are arrays, with at most the configured number
 * of elements and bytes; an AppendEntries' entries follow `prevLogIndex` one by one with
 * non-decreasing terms no later than the message's; a `config` entry holds an encoded
 * configuration. The result is a fresh object holding only the fields of its type, so nothing a
 * peer added travels further.
 *
 * It does not decide whether a message is welcome (the sender is a member, the term is current):
 * that is the protocol's job, and the core answers those messages as Raft says.
 */
import { decodeConfig } from './membership.js';
import type { Entry, EntryType, MembershipConfig, Message, NodeId, SnapshotMeta } from './types.js';

/** MessageLimits bound what one message may hold. Every field has a default. */
export interface MessageLimits {
  /** Longest node id, in UTF-16 code units. Default 256. */
  readonly maxIdLength?: number;
  /** Most entries in one AppendEntries. Default 65,536. */
  readonly maxEntries?: number;
  /** Largest `data` of one entry, and of all entries of one message together. Default 64 MiB. */
  readonly maxEntryBytes?: number;
  /** Largest `data` of one InstallSnapshot chunk. Default 64 MiB. */
  readonly maxChunkBytes?: number;
  /** Most members (voters, outgoing voters, learners, addresses) in one configuration. Default 1,024. */
  readonly maxMembers?: number;
  /** Longest string other than an id (an address, a read context). Default 2,048. */
  readonly maxStringLength?: number;
}

/** Defaults for every MessageLimits field. */
export const MESSAGE_LIMIT_DEFAULTS = {
  maxIdLength: 256,
  maxEntries: 65_536,
  maxEntryBytes: 64 * 1024 * 1024,
  maxChunkBytes: 64 * 1024 * 1024,
  maxMembers: 1024,
  maxStringLength: 2048,
} as const satisfies Required<MessageLimits>;

/** MessageValidationErrorCode names each way a received message can be refused. */
export type MessageValidationErrorCode =
  /** Not a plain object (null, an array, bytes, a number...). */
  | 'NOT_AN_OBJECT'
  /** `type` is not one of `Message`'s types. */
  | 'UNKNOWN_TYPE'
  /** A field is missing or of the wrong type. */
  | 'INVALID_FIELD'
  /** A number is negative, fractional, or not below `Number.MAX_SAFE_INTEGER`. */
  | 'OUT_OF_RANGE'
  /** A string, array or byte field is over its limit. */
  | 'TOO_LARGE'
  /** The fields contradict each other (entries out of sequence, a term from the future...). */
  | 'INCONSISTENT';

/** MessageValidationError says why `validateMessage` refused a value, and where (`path`). */
export class MessageValidationError extends Error {
  override readonly name = 'MessageValidationError';
  constructor(
    readonly code: MessageValidationErrorCode,
    /** The field at fault, e.g. `entries[3].term`; empty for the message itself. */
    readonly path: string,
    message: string,
  ) {
    super(`${code}: ${path === '' ? '' : `${path}: `}${message}`);
  }
}

type Fields = Record<string, unknown>;
type Limits = Required<MessageLimits>;

/**
 * validateMessage returns `value` as a `Message` (a fresh copy with only its type's fields), or
 * throws MessageValidationError. It never throws anything else, whatever `value` is.
 */
export function validateMessage(value: unknown, limits?: MessageLimits): Message {
  const bounds = boundsFor(limits);
  const fields = object(value, '');
  const type = fields['type'];
  const base = { from: id(fields, 'from', bounds), to: id(fields, 'to', bounds), term: integer(fields, 'term') };
  switch (type) {
    case 'requestVote': {
      const message = {
        type,
        ...base,
        preVote: boolean(fields, 'preVote'),
        lastLogIndex: integer(fields, 'lastLogIndex'),
        lastLogTerm: integer(fields, 'lastLogTerm'),
        ...(own(fields, 'transfer') === undefined ? {} : { transfer: boolean(fields, 'transfer') }),
      };
      if (message.lastLogTerm > message.term) inconsistent('lastLogTerm', `${message.lastLogTerm} is after the campaign term ${message.term}`);
      return message;
    }
    case 'requestVoteResponse':
      return { type, ...base, preVote: boolean(fields, 'preVote'), granted: boolean(fields, 'granted') };
    case 'appendEntries': {
      const prevLogIndex = integer(fields, 'prevLogIndex');
      const prevLogTerm = integer(fields, 'prevLogTerm');
      if (prevLogTerm > base.term) inconsistent('prevLogTerm', `${prevLogTerm} is after the leader's term ${base.term}`);
      const entries = entryList(fields, prevLogIndex, prevLogTerm, base.term, bounds);
      const leaderCommit = integer(fields, 'leaderCommit');
      if (own(fields, 'noReply') === undefined) return { type, ...base, prevLogIndex, prevLogTerm, entries, leaderCommit };
      return { type, ...base, prevLogIndex, prevLogTerm, entries, leaderCommit, noReply: boolean(fields, 'noReply') };
    }
    case 'appendEntriesResponse':
      return {
        type,
        ...base,
        success: boolean(fields, 'success'),
        matchIndex: integer(fields, 'matchIndex'),
        rejectedIndex: integer(fields, 'rejectedIndex'),
        conflictIndex: integer(fields, 'conflictIndex'),
        conflictTerm: integer(fields, 'conflictTerm'),
      };
    case 'heartbeat':
      return { type, ...base, commit: integer(fields, 'commit'), round: integer(fields, 'round') };
    case 'heartbeatResponse':
      return { type, ...base, round: integer(fields, 'round') };
    case 'installSnapshot': {
      const meta = snapshotMeta(fields, bounds);
      if (meta.term > base.term) inconsistent('meta.term', `${meta.term} is after the leader's term ${base.term}`);
      const data = bytes(fields, 'data', bounds.maxChunkBytes);
      return { type, ...base, meta, offset: integer(fields, 'offset'), data, done: boolean(fields, 'done') };
    }
    case 'installSnapshotResponse':
      return { type, ...base, index: integer(fields, 'index'), offset: integer(fields, 'offset'), done: boolean(fields, 'done'), success: boolean(fields, 'success') };
    case 'timeoutNow':
      return { type, ...base };
    case 'readIndex':
      return { type, ...base, context: string(fields, 'context', bounds.maxStringLength) };
    case 'readIndexResponse':
      return { type, ...base, context: string(fields, 'context', bounds.maxStringLength), index: integer(fields, 'index') };
    default:
      throw new MessageValidationError('UNKNOWN_TYPE', 'type', `${describe(type)} is not a message type`);
  }
}

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

/** own reads an own property only: a prototype's getter or `__proto__` is never consulted. */
function own(fields: Fields, key: string): unknown {
  return Object.hasOwn(fields, key) ? fields[key] : undefined;
}

function object(value: unknown, path: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new MessageValidationError(path === '' ? 'NOT_AN_OBJECT' : 'INVALID_FIELD', path, `expected an object, got ${describe(value)}`);
  }
  return value as Fields;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** integer: a safe integer in [0, MAX_SAFE_INTEGER), so that adding one stays exact. */
function integer(fields: Fields, key: string, path = ''): number {
  const value = own(fields, key);
  const at = join(path, key);
  if (typeof value !== 'number') throw new MessageValidationError('INVALID_FIELD', at, `expected an integer, got ${describe(value)}`);
  if (!Number.isSafeInteger(value) || value < 0 || value >= Number.MAX_SAFE_INTEGER) {
    throw new MessageValidationError('OUT_OF_RANGE', at, `${value} is not an integer in [0, ${Number.MAX_SAFE_INTEGER})`);
  }
  return value;
}

function boolean(fields: Fields, key: string): boolean {
  const value = own(fields, key);
  if (typeof value !== 'boolean') throw new MessageValidationError('INVALID_FIELD', key, `expected a boolean, got ${describe(value)}`);
  return value;
}

function string(fields: Fields, key: string, maxLength: number, path = ''): string {
  return bounded(own(fields, key), join(path, key), maxLength);
}

function bounded(value: unknown, at: string, maxLength: number): string {
  if (typeof value !== 'string') throw new MessageValidationError('INVALID_FIELD', at, `expected a string, got ${describe(value)}`);
  if (value.length > maxLength) throw new MessageValidationError('TOO_LARGE', at, `${value.length} characters is over ${maxLength}`);
  return value;
}

function id(fields: Fields, key: string, limits: Limits): NodeId {
  return nodeId(own(fields, key), key, limits);
}

function nodeId(value: unknown, at: string, limits: Limits): NodeId {
  const text = bounded(value, at, limits.maxIdLength);
  if (text === '') throw new MessageValidationError('INVALID_FIELD', at, 'a node id is never empty');
  return text;
}

function bytes(fields: Fields, key: string, maxBytes: number, path = ''): Uint8Array {
  const value = own(fields, key);
  const at = join(path, key);
  if (!(value instanceof Uint8Array)) throw new MessageValidationError('INVALID_FIELD', at, `expected bytes, got ${describe(value)}`);
  if (value.byteLength > maxBytes) throw new MessageValidationError('TOO_LARGE', at, `${value.byteLength} bytes is over ${maxBytes}`);
  return value;
}

function inconsistent(path: string, message: string): never {
  throw new MessageValidationError('INCONSISTENT', path, message);
}

// ---------------------------------------------------------------------------------------------
// Entries, snapshots, configurations
// ---------------------------------------------------------------------------------------------

const ENTRY_TYPES: readonly EntryType[] = ['normal', 'config'];

/**
 * entryList checks AppendEntries' entries: they follow `prevLogIndex` one by one, with terms
 * that never go back, none before `prevLogTerm` nor after the leader's `term` (Log Matching
 * and the leader's own log make anything else impossible from a correct leader).
 */
function entryList(fields: Fields, prevLogIndex: number, prevLogTerm: number, term: number, limits: Limits): Entry[] {
  const value = own(fields, 'entries');
  if (!Array.isArray(value)) throw new MessageValidationError('INVALID_FIELD', 'entries', `expected an array, got ${describe(value)}`);
  if (value.length > limits.maxEntries) throw new MessageValidationError('TOO_LARGE', 'entries', `${value.length} entries is over ${limits.maxEntries}`);
  const entries: Entry[] = [];
  let total = 0;
  let previousTerm = prevLogTerm;
  for (const [position, item] of value.entries()) {
    const path = `entries[${position}]`;
    const entry = object(item, path);
    const index = integer(entry, 'index', path);
    const entryTerm = integer(entry, 'term', path);
    const type = own(entry, 'type');
    if (!ENTRY_TYPES.includes(type as EntryType)) throw new MessageValidationError('INVALID_FIELD', `${path}.type`, `${describe(type)} is not an entry type`);
    const data = bytes(entry, 'data', limits.maxEntryBytes, path);
    total += data.byteLength;
    if (total > limits.maxEntryBytes) throw new MessageValidationError('TOO_LARGE', 'entries', `more than ${limits.maxEntryBytes} bytes of entry data`);
    if (index !== prevLogIndex + 1 + position) inconsistent(`${path}.index`, `${index} does not follow ${prevLogIndex + position}`);
    if (entryTerm < previousTerm || entryTerm > term) inconsistent(`${path}.term`, `${entryTerm} is not in [${previousTerm}, ${term}]`);
    if (type === 'config') configEntry(data, `${path}.data`, limits);
    previousTerm = entryTerm;
    entries.push({ index, term: entryTerm, type: type as EntryType, data });
  }
  return entries;
}

/** configEntry checks that a config entry's data decodes to a configuration (the core decodes it when it applies). */
function configEntry(data: Uint8Array, path: string, limits: Limits): void {
  let decoded: unknown;
  try {
    decoded = decodeConfig(data);
  } catch (error) {
    throw new MessageValidationError('INVALID_FIELD', path, `not an encoded configuration (${(error as Error).message})`);
  }
  membershipConfig(decoded, path, limits);
}

function snapshotMeta(fields: Fields, limits: Limits): SnapshotMeta {
  const meta = object(own(fields, 'meta'), 'meta');
  return { index: integer(meta, 'index', 'meta'), term: integer(meta, 'term', 'meta'), config: membershipConfig(own(meta, 'config'), 'meta.config', limits) };
}

function membershipConfig(value: unknown, path: string, limits: Limits): MembershipConfig {
  const fields = object(value, path);
  const ids = (key: string): NodeId[] => {
    const list = own(fields, key);
    const at = join(path, key);
    if (!Array.isArray(list)) throw new MessageValidationError('INVALID_FIELD', at, `expected an array, got ${describe(list)}`);
    if (list.length > limits.maxMembers) throw new MessageValidationError('TOO_LARGE', at, `${list.length} members is over ${limits.maxMembers}`);
    return list.map((item, position) => nodeId(item, `${at}[${position}]`, limits));
  };
  const config = { voters: ids('voters'), outgoingVoters: ids('outgoingVoters'), learners: ids('learners') };
  const addresses = own(fields, 'addresses');
  if (addresses === undefined) return config;
  const table = object(addresses, join(path, 'addresses'));
  const keys = Object.keys(table);
  if (keys.length > limits.maxMembers) throw new MessageValidationError('TOO_LARGE', join(path, 'addresses'), `${keys.length} addresses is over ${limits.maxMembers}`);
  // A null-prototype copy: a key such as `__proto__` stays an ordinary key.
  const copy = Object.create(null) as Record<NodeId, string>;
  for (const key of keys) {
    const at = `${join(path, 'addresses')}[${JSON.stringify(key)}]`;
    nodeId(key, at, limits);
    copy[key] = bounded(table[key], at, limits.maxStringLength);
  }
  return { ...config, addresses: { ...copy } };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'string') return value.length <= 40 ? JSON.stringify(value) : 'a long string';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value;
}

/**
 * boundsFor merges `limits` over the defaults once per limits object: every received message is
 * validated (twice over WebSocket: by the transport and by the runtime), and building the merged
 * object each time showed in the profiles. Callers pass the same object each time; one that is
 * changed after use would keep its first bounds, so limits objects are treated as immutable.
 */
function boundsFor(limits: MessageLimits | undefined): Limits {
  if (limits === undefined) return MESSAGE_LIMIT_DEFAULTS;
  let bounds = mergedBounds.get(limits);
  if (bounds === undefined) {
    bounds = { ...MESSAGE_LIMIT_DEFAULTS, ...definedOnly(limits) };
    mergedBounds.set(limits, bounds);
  }
  return bounds;
}

const mergedBounds = new WeakMap<MessageLimits, Limits>();

function definedOnly(limits: MessageLimits): MessageLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)) as MessageLimits;
}

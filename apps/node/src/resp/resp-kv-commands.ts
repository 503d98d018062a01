/**
 * The string commands over the node's KV state machine. Writes go through the log (answered once
 * committed and applied); reads are linearizable queries on the leader. A read of keys that carry
 * a TTL goes through the log instead, so whether they expired is decided in apply from the
 * leader's timestamp, never from the clock of the node that serves the read.
 */
import { keyProblem } from '../kv/keys.js';
import { INT64_MIN, parseInt64, type KvExtendedCommand, type KvReply, type SetCondition } from '../kv/kv-commands.js';
import type { KvManyResult, KvSizeResult } from '../kv/kv-state-machine.js';
import type { RespBackend } from './resp-backend.js';
import type { RespCall, RespCommandSpec } from './resp-command-spec.js';
import { RESP_ERRORS, RespUsageError } from './resp-errors.js';
import { reply, type RespReply } from './resp-reply.js';

/** keyOf reads a key argument: UTF-8 text of 1–1024 bytes (the node's key rules). */
export function keyOf(argument: Buffer): string {
  const key = argument.toString('utf8');
  if (!Buffer.from(key, 'utf8').equals(argument)) throw new RespUsageError('ERR keys must be UTF-8 text');
  const problem = keyProblem(key);
  if (problem !== undefined) throw new RespUsageError(`ERR invalid key: ${problem}`);
  return key;
}

function integerOf(argument: Buffer): bigint {
  const value = parseInt64(argument.toString('latin1'));
  if (value === undefined) throw new RespUsageError(RESP_ERRORS.notInteger);
  return value;
}

/** replyOf turns the state machine's KvReply into a RESP reply. */
function replyOf(answer: KvReply | undefined): RespReply {
  switch (answer?.type) {
    case 'ok':
      return reply.ok;
    case 'nil':
      return reply.null;
    case 'bytes':
      return reply.bulk(answer.value);
    case 'integer':
      return reply.integer(answer.value);
    case 'values':
      return reply.array(answer.values.map((value) => reply.bulk(value)));
    case 'error':
      return reply.error(answer.message);
    case undefined:
      return reply.error('ERR the state machine gave no answer');
  }
}

/** write proposes an extended command; `atMs` is stamped by the leader that proposes it. */
async function write(backend: RespBackend, command: KvExtendedCommand): Promise<RespReply> {
  return replyOf((await backend.write(command)).reply);
}

/**
 * readValues answers the values of `keys`: a linearizable query, or, when one of them has a TTL,
 * a read through the log so that leader time decides what expired.
 */
async function readValues(backend: RespBackend, keys: readonly string[]): Promise<readonly (Uint8Array | null)[]> {
  const answer = (await backend.query({ op: 'mget', keys })) as KvManyResult;
  if (!answer.expiring) return answer.values;
  const through = (await backend.write({ op: 'read', key: keys[0]!, keys, atMs: 0 })).reply;
  if (through?.type !== 'values') throw new Error('a read through the log gave no values');
  return through.values;
}

/** setCommandOf parses SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]. */
function setCommandOf(args: readonly Buffer[]): KvExtendedCommand {
  const key = keyOf(args[0]!);
  let condition: SetCondition | undefined;
  let get = false;
  let keepTtl = false;
  let expiry: { readonly ttlMs: number } | { readonly expireAtMs: number } | undefined;
  for (let position = 2; position < args.length; position++) {
    const option = args[position]!.toString('latin1').toUpperCase();
    if ((option === 'NX' || option === 'XX') && condition === undefined) condition = option === 'NX' ? 'nx' : 'xx';
    else if (option === 'GET' && !get) get = true;
    else if (option === 'KEEPTTL' && !keepTtl && expiry === undefined) keepTtl = true;
    else if (['EX', 'PX', 'EXAT', 'PXAT'].includes(option) && expiry === undefined && !keepTtl && position + 1 < args.length) {
      const amount = integerOf(args[++position]!);
      const ms = option === 'EX' || option === 'EXAT' ? amount * 1000n : amount;
      if (amount <= 0n || ms > BigInt(Number.MAX_SAFE_INTEGER)) throw new RespUsageError(RESP_ERRORS.invalidExpire('set'));
      expiry = option === 'EX' || option === 'PX' ? { ttlMs: Number(ms) } : { expireAtMs: Number(ms) };
    } else throw new RespUsageError(RESP_ERRORS.syntax);
  }
  return {
    op: 'set',
    key,
    value: args[1]!,
    ...(condition === undefined ? {} : { condition }),
    ...(get ? { get } : {}),
    ...(keepTtl ? { keepTtl } : {}),
    ...expiry,
    atMs: 0,
  };
}

function incrBy(call: RespCall, by: bigint): Promise<RespReply> {
  return write(call.backend, { op: 'incrby', key: keyOf(call.args[0]!), by: by.toString(), atMs: 0 });
}

const KEY = { name: 'key', type: 'key' } as const;
const VALUE = { name: 'value', type: 'string' } as const;

/** RESP_KV_COMMANDS: the string and key commands. */
export const RESP_KV_COMMANDS: readonly RespCommandSpec[] = [
  {
    name: 'get',
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    access: 'read',
    group: 'string',
    summary: 'Returns the string value of a key (linearizable).',
    since: '1.0.0',
    complexity: 'O(1)',
    arguments: [KEY],
    run: async (call) => reply.bulk((await readValues(call.backend, [keyOf(call.args[0]!)]))[0] ?? null),
  },
  {
    name: 'mget',
    arity: -2,
    flags: ['readonly', 'fast'],
    keys: [1, -1, 1],
    access: 'read',
    group: 'string',
    summary: 'Atomically returns the string values of one or more keys (linearizable).',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys to retrieve.',
    arguments: [{ ...KEY, multiple: true }],
    run: async (call) => reply.array((await readValues(call.backend, call.args.map(keyOf))).map((value) => reply.bulk(value))),
  },
  {
    name: 'exists',
    arity: -2,
    flags: ['readonly', 'fast'],
    keys: [1, -1, 1],
    access: 'read',
    group: 'generic',
    summary: 'Determines whether one or more keys exist (a key named twice counts twice).',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys to check.',
    arguments: [{ ...KEY, multiple: true }],
    run: async (call) => reply.integer((await readValues(call.backend, call.args.map(keyOf))).filter((value) => value !== null).length),
  },
  {
    name: 'strlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    access: 'read',
    group: 'string',
    summary: 'Returns the length of a string value.',
    since: '2.2.0',
    complexity: 'O(1)',
    arguments: [KEY],
    run: async (call) => reply.integer((await readValues(call.backend, [keyOf(call.args[0]!)]))[0]?.byteLength ?? 0),
  },
  {
    name: 'dbsize',
    arity: 1,
    flags: ['readonly', 'fast'],
    keys: [0, 0, 0],
    access: 'read',
    group: 'server',
    summary: 'Returns the number of keys (linearizable; keys whose expiry is due but not yet applied count, as in Redis).',
    since: '1.0.0',
    complexity: 'O(1)',
    arguments: [],
    run: async (call) => reply.integer(((await call.backend.query({ op: 'dbsize' })) as KvSizeResult).size),
  },
  {
    name: 'set',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, 1, 1],
    access: 'write',
    group: 'string',
    summary: 'Sets the string value of a key; NX, XX, GET and the expiry are decided in apply from the leader timestamp.',
    since: '1.0.0',
    complexity: 'O(1)',
    arguments: [
      KEY,
      VALUE,
      { name: 'condition', type: 'oneof', optional: true, arguments: [{ name: 'nx', type: 'pure-token', token: 'NX' }, { name: 'xx', type: 'pure-token', token: 'XX' }] },
      { name: 'get', type: 'pure-token', token: 'GET', optional: true },
      {
        name: 'expiration',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'seconds', type: 'integer', token: 'EX' },
          { name: 'milliseconds', type: 'integer', token: 'PX' },
          { name: 'unix-time-seconds', type: 'integer', token: 'EXAT' },
          { name: 'unix-time-milliseconds', type: 'integer', token: 'PXAT' },
          { name: 'keepttl', type: 'pure-token', token: 'KEEPTTL' },
        ],
      },
    ],
    run: (call) => write(call.backend, setCommandOf(call.args)),
  },
  {
    name: 'mset',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 2],
    access: 'write',
    group: 'string',
    summary: 'Atomically sets the values of one or more keys (one log entry).',
    since: '1.0.1',
    complexity: 'O(N) where N is the number of keys to set.',
    arguments: [{ name: 'data', type: 'block', multiple: true, arguments: [KEY, VALUE] }],
    run: (call) => {
      if (call.args.length % 2 !== 0) throw new RespUsageError(RESP_ERRORS.wrongArity('mset'));
      const pairs: [string, Uint8Array][] = [];
      for (let position = 0; position < call.args.length; position += 2) pairs.push([keyOf(call.args[position]!), call.args[position + 1]!]);
      return write(call.backend, { op: 'mset', key: pairs[0]![0], pairs, atMs: 0 });
    },
  },
  {
    name: 'del',
    arity: -2,
    flags: ['write'],
    keys: [1, -1, 1],
    access: 'write',
    group: 'generic',
    summary: 'Deletes one or more keys (one log entry); answers how many existed.',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys that will be removed.',
    arguments: [{ ...KEY, multiple: true }],
    run: (call) => {
      const keys = call.args.map(keyOf);
      return write(call.backend, { op: 'del', key: keys[0]!, keys, atMs: 0 });
    },
  },
  {
    name: 'getdel',
    arity: 2,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    access: 'write',
    group: 'string',
    summary: 'Returns the string value of a key after deleting the key.',
    since: '6.2.0',
    complexity: 'O(1)',
    arguments: [KEY],
    run: (call) => write(call.backend, { op: 'getdel', key: keyOf(call.args[0]!), atMs: 0 }),
  },
  {
    name: 'append',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    access: 'write',
    group: 'string',
    summary: 'Appends a string to the value of a key; creates the key if needed. Answers the new length.',
    since: '2.0.0',
    complexity: 'O(1)',
    arguments: [KEY, VALUE],
    run: (call) => write(call.backend, { op: 'append', key: keyOf(call.args[0]!), value: call.args[1]!, atMs: 0 }),
  },
  {
    name: 'incr',
    arity: 2,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    access: 'write',
    group: 'string',
    summary: 'Increments the integer value of a key by one (decided in apply).',
    since: '1.0.0',
    complexity: 'O(1)',
    arguments: [KEY],
    run: (call) => incrBy(call, 1n),
  },
  {
    name: 'decr',
    arity: 2,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    access: 'write',
    group: 'string',
    summary: 'Decrements the integer value of a key by one (decided in apply).',
    since: '1.0.0',
    complexity: 'O(1)',
    arguments: [KEY],
    run: (call) => incrBy(call, -1n),
  },
  {
    name: 'incrby',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    access: 'write',
    group: 'string',
    summary: 'Increments the integer value of a key by a number (decided in apply).',
    since: '1.0.0',
    complexity: 'O(1)',
    arguments: [KEY, { name: 'increment', type: 'integer' }],
    run: (call) => incrBy(call, integerOf(call.args[1]!)),
  },
  {
    name: 'decrby',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    access: 'write',
    group: 'string',
    summary: 'Decrements the integer value of a key by a number (decided in apply).',
    since: '1.0.0',
    complexity: 'O(1)',
    arguments: [KEY, { name: 'decrement', type: 'integer' }],
    run: (call) => {
      const by = integerOf(call.args[1]!);
      if (by === INT64_MIN) throw new RespUsageError('ERR decrement would overflow');
      return incrBy(call, -by);
    },
  },
];

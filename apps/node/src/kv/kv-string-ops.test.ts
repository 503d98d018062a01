import { describe, expect, it } from 'vitest';
import { createCommandCodec } from './command-codec.js';
import { queryProblem, type KvExtendedCommand } from './kv-commands.js';
import { encodeKvSnapshot } from './kv-snapshot.js';
import { KvStateMachine } from './kv-state-machine.js';

const text = (value: string) => new TextEncoder().encode(value);
const meta = (index: number) => ({ index, term: 1 });

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts;
}

async function* stream(parts: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts;
}

/** A store and a log index counter: `run` applies an extended command at the next index and returns its reply. */
function store() {
  const kv = new KvStateMachine();
  let index = 0;
  const run = (command: KvExtendedCommand) => kv.apply(command, meta(++index)).reply;
  return { kv, run };
}

describe('KvStateMachine extended string commands', () => {
  it('SET NX / XX / GET decide in apply from the state', () => {
    const { kv, run } = store();
    expect(run({ op: 'set', key: 'k', value: text('1'), condition: 'xx', atMs: 1000 })).toEqual({ type: 'nil' });
    expect(kv.query({ op: 'get', key: 'k' }).value).toBeNull();
    expect(run({ op: 'set', key: 'k', value: text('1'), condition: 'nx', atMs: 1000 })).toEqual({ type: 'ok' });
    expect(run({ op: 'set', key: 'k', value: text('2'), condition: 'nx', atMs: 1000 })).toEqual({ type: 'nil' });
    expect(run({ op: 'set', key: 'k', value: text('3'), condition: 'xx', get: true, atMs: 1000 })).toEqual({ type: 'bytes', value: text('1') });
    expect(run({ op: 'set', key: 'k', value: text('4'), condition: 'nx', get: true, atMs: 1000 })).toEqual({ type: 'bytes', value: text('3') });
    expect(kv.query({ op: 'get', key: 'k' }).value).toEqual(text('3'));
  });

  it('expires by the leader timestamps carried in entries, never by a clock of its own', () => {
    const { kv, run } = store();
    run({ op: 'set', key: 'k', value: text('v'), ttlMs: 500, atMs: 10_000 });
    // Only entries move time: the key stays while no entry at or past 10_500 was applied.
    expect(kv.query({ op: 'mget', keys: ['k'] })).toMatchObject({ values: [text('v')], expiring: true });
    expect(run({ op: 'read', key: 'k', keys: ['k'], atMs: 10_499 })).toEqual({ type: 'values', values: [text('v')] });
    expect(run({ op: 'read', key: 'k', keys: ['k'], atMs: 10_500 })).toEqual({ type: 'values', values: [null] });
    expect(kv.query({ op: 'dbsize' })).toMatchObject({ size: 0 });
    // A leader whose clock runs behind cannot bring time back.
    run({ op: 'set', key: 'k2', value: text('v'), ttlMs: 100, atMs: 20_000 });
    expect(run({ op: 'read', key: 'k2', keys: ['k2'], atMs: 5_000 })).toEqual({ type: 'values', values: [text('v')] });
    expect(run({ op: 'read', key: 'k2', keys: ['k2'], atMs: 20_100 })).toEqual({ type: 'values', values: [null] });
  });

  it('a sweep removes every key whose expiry is due at its entry, and only those', () => {
    const { kv, run } = store();
    run({ op: 'set', key: 'a', value: text('1'), ttlMs: 100, atMs: 1000 });
    run({ op: 'set', key: 'b', value: text('2'), ttlMs: 500, atMs: 1000 });
    run({ op: 'set', key: 'c', value: text('3'), atMs: 1000 });
    // The leader's own clock only says whether a sweep is worth proposing.
    expect(kv.hasExpiryDue(1099)).toBe(false);
    expect(kv.hasExpiryDue(1100)).toBe(true);
    expect(run({ op: 'sweep', atMs: 1200 })).toEqual({ type: 'integer', value: '1' });
    expect(kv.query({ op: 'dbsize' })).toMatchObject({ size: 2 });
    expect(run({ op: 'sweep', atMs: 1500 })).toEqual({ type: 'integer', value: '1' });
    expect(kv.query({ op: 'mget', keys: ['a', 'b', 'c'] })).toMatchObject({ values: [null, null, text('3')], expiring: false });
  });

  it('SET clears a TTL, KEEPTTL keeps it, INCR and APPEND keep it', () => {
    const { kv, run } = store();
    run({ op: 'set', key: 'k', value: text('1'), ttlMs: 100, atMs: 1000 });
    run({ op: 'incrby', key: 'k', by: '1', atMs: 1000 });
    run({ op: 'append', key: 'k', value: text('0'), atMs: 1000 });
    run({ op: 'set', key: 'k', value: text('x'), keepTtl: true, atMs: 1000 });
    expect(run({ op: 'read', key: 'k', keys: ['k'], atMs: 1100 })).toEqual({ type: 'values', values: [null] });
    run({ op: 'set', key: 'k', value: text('1'), ttlMs: 100, atMs: 2000 });
    run({ op: 'set', key: 'k', value: text('2'), atMs: 2000 });
    expect(kv.query({ op: 'mget', keys: ['k'] })).toMatchObject({ expiring: false });
  });

  it('INCRBY decides in apply, with Redis error texts for a non-integer and an overflow', () => {
    const { kv, run } = store();
    expect(run({ op: 'incrby', key: 'n', by: '1', atMs: 1 })).toEqual({ type: 'integer', value: '1' });
    expect(run({ op: 'incrby', key: 'n', by: '-5', atMs: 1 })).toEqual({ type: 'integer', value: '-4' });
    run({ op: 'set', key: 'n', value: text('9223372036854775806'), atMs: 1 });
    expect(run({ op: 'incrby', key: 'n', by: '1', atMs: 1 })).toEqual({ type: 'integer', value: '9223372036854775807' });
    expect(run({ op: 'incrby', key: 'n', by: '1', atMs: 1 })).toEqual({ type: 'error', message: 'ERR increment or decrement would overflow' });
    run({ op: 'set', key: 's', value: text('01'), atMs: 1 });
    expect(run({ op: 'incrby', key: 's', by: '1', atMs: 1 })).toEqual({ type: 'error', message: 'ERR value is not an integer or out of range' });
    expect(kv.query({ op: 'get', key: 's' }).value).toEqual(text('01'));
  });

  it('MSET, GETDEL, APPEND and multi-key DEL', () => {
    const { kv, run } = store();
    expect(run({ op: 'mset', key: 'a', pairs: [['a', text('1')], ['b', text('2')]], atMs: 1 })).toEqual({ type: 'ok' });
    expect(kv.query({ op: 'mget', keys: ['a', 'b', 'c'] })).toMatchObject({ values: [text('1'), text('2'), null] });
    expect(run({ op: 'append', key: 'a', value: text('23'), atMs: 1 })).toEqual({ type: 'integer', value: '3' });
    expect(run({ op: 'getdel', key: 'a', atMs: 1 })).toEqual({ type: 'bytes', value: text('123') });
    expect(run({ op: 'getdel', key: 'a', atMs: 1 })).toEqual({ type: 'nil' });
    expect(run({ op: 'del', key: 'b', keys: ['b', 'b', 'c'], atMs: 1 })).toEqual({ type: 'integer', value: '1' });
    expect(kv.size).toBe(0);
  });

  it('refuses malformed extended commands alike on every replica', () => {
    const kv = new KvStateMachine();
    expect(() => kv.apply({ op: 'incrby', key: 'n', by: '1.5', atMs: 1 }, meta(1))).toThrow(/int64/);
    expect(() => kv.apply({ op: 'set', key: 'k', value: text('v'), ttlMs: -1, atMs: 1 }, meta(2))).toThrow(/positive/);
    expect(() => kv.apply({ op: 'mset', key: 'a', pairs: [['', text('1')]], atMs: 1 }, meta(3))).toThrow(/empty/);
  });

  it('round-trips expiries and the clock through an RKV2 snapshot, and still restores RKV1', async () => {
    const { kv, run } = store();
    run({ op: 'set', key: 'k', value: text('v'), ttlMs: 500, atMs: 10_000 });
    run({ op: 'set', key: 'p', value: text('w'), atMs: 10_000 });
    const parts = await collect(kv.snapshot());
    expect(new TextDecoder().decode(parts[0]!.subarray(0, 4))).toBe('RKV2');
    const copy = new KvStateMachine();
    await copy.restore(stream(parts));
    expect(await collect(copy.snapshot())).toEqual(parts);
    // The restored copy expires at the same entry as the original.
    expect(copy.apply({ op: 'read', key: 'k', keys: ['k', 'p'], atMs: 9_000 }, meta(3)).reply).toEqual({ type: 'values', values: [text('v'), text('w')] });
    expect(copy.apply({ op: 'read', key: 'k', keys: ['k', 'p'], atMs: 10_500 }, meta(4)).reply).toEqual({ type: 'values', values: [null, text('w')] });

    const old = await collect(encodeKvSnapshot(7, [['a', text('1')]]));
    expect(new TextDecoder().decode(old[0]!.subarray(0, 4))).toBe('RKV1');
    const restored = new KvStateMachine();
    await restored.restore(stream(old));
    expect(restored.query({ op: 'get', key: 'a' })).toEqual({ value: text('1'), index: 7 });
    // A store that never used expiry still writes RKV1 (older nodes can read it).
    expect(new TextDecoder().decode((await collect(restored.snapshot()))[0]!.subarray(0, 4))).toBe('RKV1');
  });

  it('checks queries from peers at run time', () => {
    expect(queryProblem({ op: 'mget', keys: ['a', 'b'] })).toBeUndefined();
    expect(queryProblem({ op: 'dbsize' })).toBeUndefined();
    expect(queryProblem({ op: 'mget', keys: [] })).toMatch(/non-empty/);
    expect(queryProblem({ op: 'mget', keys: ['a', ''] })).toMatch(/empty/);
    expect(queryProblem({ op: 'scan' })).toMatch(/unknown query op/);
    expect(queryProblem(null)).toMatch(/object/);
  });

  it('carries extended commands through the log codec with bytes intact', () => {
    const codec = createCommandCodec();
    const entry = { type: 'command' as const, timestampMs: 5, command: { op: 'mset' as const, key: 'a', pairs: [['a', text('1')]] as [string, Uint8Array][], atMs: 5 } };
    expect(codec.decode(codec.encode(entry))).toEqual(entry);
  });
});

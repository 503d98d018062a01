import { describe, expect, it } from 'vitest';
import { createCommandCodec } from './command-codec.js';
import { createNodeStateMachine } from './kv-machine.js';
import { KvStateMachine } from './kv-state-machine.js';
import { KvSnapshotError } from './kv-snapshot.js';

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

describe('KvStateMachine', () => {
  it('puts, deletes and answers the applied index', () => {
    const kv = new KvStateMachine();
    expect(kv.apply({ op: 'put', key: 'a', value: text('1') }, meta(3))).toEqual({ index: 3 });
    expect(kv.query({ op: 'get', key: 'a' })).toEqual({ value: text('1'), index: 3 });
    expect(kv.apply({ op: 'delete', key: 'a' }, meta(4))).toEqual({ index: 4 });
    expect(kv.query({ op: 'get', key: 'a' })).toEqual({ value: null, index: 4 });
  });

  it('decides CAS on UTF-8 inside apply: null means absent, a mismatch reports the current value', () => {
    const kv = new KvStateMachine();
    expect(kv.apply({ op: 'cas', key: 'k', expect: null, value: 'é1' }, meta(1))).toEqual({ index: 1, cas: { ok: true, current: 'é1' } });
    expect(kv.apply({ op: 'cas', key: 'k', expect: null, value: 'x' }, meta(2))).toEqual({ index: 2, cas: { ok: false, current: 'é1' } });
    expect(kv.apply({ op: 'cas', key: 'k', expect: 'é2', value: 'x' }, meta(3))).toEqual({ index: 3, cas: { ok: false, current: 'é1' } });
    expect(kv.apply({ op: 'cas', key: 'k', expect: 'é1', value: 'é2' }, meta(4))).toEqual({ index: 4, cas: { ok: true, current: 'é2' } });
    expect(kv.query({ op: 'get', key: 'k' }).value).toEqual(text('é2'));
    expect(kv.apply({ op: 'cas', key: 'absent', expect: 'something', value: 'x' }, meta(5))).toEqual({ index: 5, cas: { ok: false, current: null } });
  });

  it('throws alike on every replica for a malformed command (empty or oversized key, unknown op)', () => {
    const kv = new KvStateMachine();
    expect(() => kv.apply({ op: 'put', key: '', value: text('x') }, meta(1))).toThrow('the key is empty');
    expect(() => kv.apply({ op: 'put', key: 'k'.repeat(1025), value: text('x') }, meta(1))).toThrow('the key is 1025 bytes; at most 1024');
    expect(() => kv.apply({ op: 'nope', key: 'k' } as never, meta(1))).toThrow('unknown op "nope"');
  });

  // msgpackr decodes a value to a Buffer view into the frame it came in, and Buffer#slice() is a
  // view too: a stored value must own its bytes, or each one pins a whole frame (or a snapshot).
  it('stores its own copy of a value decoded as a view into a larger buffer, from apply and from a snapshot', async () => {
    const frame = Buffer.alloc(8192, 7);
    const kv = new KvStateMachine();
    kv.apply({ op: 'put', key: 'k', value: frame.subarray(100, 200) }, meta(1));
    frame.fill(0);
    const stored = kv.query({ op: 'get', key: 'k' }).value!;
    expect([...stored]).toEqual(new Array(100).fill(7));
    expect(stored.buffer.byteLength).toBe(100);
    const restored = new KvStateMachine();
    await restored.restore(stream([Buffer.concat(await collect(kv.snapshot()))]));
    expect(restored.query({ op: 'get', key: 'k' }).value!.buffer.byteLength).toBe(100);
  });

  it('restores a snapshot taken at call time, not when read, byte-identical across equal states', async () => {
    const kv = new KvStateMachine();
    kv.apply({ op: 'put', key: 'b', value: text('2') }, meta(1));
    kv.apply({ op: 'put', key: 'a', value: Uint8Array.of(0, 255) }, meta(2));
    const snapshot = kv.snapshot();
    kv.apply({ op: 'put', key: 'later', value: text('not in the snapshot') }, meta(3));
    const parts = await collect(snapshot);
    const restored = new KvStateMachine();
    await restored.restore(stream(parts));
    expect(restored.size).toBe(2);
    expect(restored.query({ op: 'get', key: 'a' })).toEqual({ value: Uint8Array.of(0, 255), index: 2 });
    expect(restored.query({ op: 'get', key: 'later' }).value).toBe(null);
    // Same keys inserted in another order give the same bytes.
    const other = new KvStateMachine();
    other.apply({ op: 'put', key: 'a', value: Uint8Array.of(0, 255) }, meta(1));
    other.apply({ op: 'put', key: 'b', value: text('2') }, meta(2));
    expect(Buffer.concat(await collect(other.snapshot())).subarray(12)).toEqual(Buffer.concat(parts).subarray(12));
  });

  it('restores a snapshot split into arbitrary chunks, and refuses a truncated one keeping its state', async () => {
    const kv = new KvStateMachine();
    for (let n = 0; n < 100; n++) kv.apply({ op: 'put', key: `key-${n}`, value: text(`value-${n}`) }, meta(n + 1));
    const bytes = Buffer.concat(await collect(kv.snapshot()));
    const pieces = Array.from({ length: Math.ceil(bytes.byteLength / 7) }, (_, n) => new Uint8Array(bytes.subarray(n * 7, n * 7 + 7)));
    const restored = new KvStateMachine();
    await restored.restore(stream(pieces));
    expect(restored.size).toBe(100);
    expect(restored.query({ op: 'get', key: 'key-99' })).toEqual({ value: text('value-99'), index: 100 });
    await expect(restored.restore(stream([new Uint8Array(bytes.subarray(0, bytes.byteLength - 3))]))).rejects.toBeInstanceOf(KvSnapshotError);
    await expect(restored.restore(stream([text('not a snapshot')]))).rejects.toThrow('no RKV1 header');
    expect(restored.size).toBe(100);
  });
});

describe('the session-wrapped node state machine', () => {
  it('applies an idempotency key once and keeps the answer through a snapshot', async () => {
    const machine = createNodeStateMachine();
    const entry = { type: 'command', idempotencyKey: 'k1', requestHash: 'h1', timestampMs: 1000, command: { op: 'cas', key: 'x', expect: null, value: 'v' } } as const;
    expect(machine.apply(entry, meta(5))).toEqual({ status: 'applied', result: { index: 5, cas: { ok: true, current: 'v' } }, duplicate: false });
    expect(machine.apply(entry, meta(6))).toEqual({ status: 'applied', result: { index: 5, cas: { ok: true, current: 'v' } }, duplicate: true });
    expect(machine.apply({ ...entry, requestHash: 'h2' }, meta(7))).toMatchObject({ status: 'rejected', code: 'IDEMPOTENCY_KEY_REUSED' });
    const restored = createNodeStateMachine();
    await restored.restore(stream(await collect(machine.snapshot())));
    expect(restored.apply(entry, meta(8))).toEqual({ status: 'applied', result: { index: 5, cas: { ok: true, current: 'v' } }, duplicate: true });
    expect(restored.query({ op: 'get', key: 'x' })).toMatchObject({ status: 'applied', result: { value: text('v') } });
  });

  it('encodes entries with byte values through the msgpack codec unchanged', () => {
    const codec = createCommandCodec();
    const entry = { type: 'command', clientId: 'c', sequence: 1, timestampMs: 5, command: { op: 'put', key: 'k', value: Uint8Array.of(1, 2, 3) } } as const;
    const decoded = codec.decode(codec.encode(entry));
    expect(decoded).toEqual(entry);
    expect((decoded as typeof entry).command.value).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer((decoded as typeof entry).command.value)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { KvSnapshotError, createKvStateMachine, readKv } from './kv-state-machine.js';

const meta = (index: number) => ({ index, term: 1 });

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const collected: Uint8Array[] = [];
  for await (const chunk of chunks) collected.push(chunk);
  return collected;
}

async function* chunksOf(...texts: string[]): AsyncIterable<Uint8Array> {
  for (const text of texts) yield new TextEncoder().encode(text);
}

describe('KvStateMachine', () => {
  it('applies put, get, delete and cas with the results of the shared KV model', () => {
    const machine = createKvStateMachine();
    expect(machine.apply({ type: 'put', key: 'x', value: '1' }, meta(1))).toBe('ok');
    expect(machine.apply({ type: 'get', key: 'x' }, meta(2))).toBe('1');
    expect(machine.apply({ type: 'cas', key: 'x', expect: '0', value: '2' }, meta(3))).toEqual({ ok: false, current: '1' });
    expect(machine.apply({ type: 'cas', key: 'x', expect: '1', value: '2' }, meta(4))).toEqual({ ok: true, current: '2' });
    expect(machine.query({ type: 'get', key: 'x' })).toBe('2');
    expect(machine.apply({ type: 'delete', key: 'x' }, meta(5))).toBe('ok');
    expect(machine.query({ type: 'get', key: 'x' })).toBe(null);
    expect(machine.size).toBe(0);
    expect(machine.apply({ type: 'cas', key: 'x', expect: null, value: '3' }, meta(6))).toEqual({ ok: true, current: '3' });
    expect(readKv(machine, 'x')).toBe('3');
  });

  it('snapshot yields one JSON chunk with the keys sorted', async () => {
    const machine = createKvStateMachine();
    machine.apply({ type: 'put', key: 'b', value: '2' }, meta(1));
    machine.apply({ type: 'put', key: 'a', value: '1' }, meta(2));
    const chunks = await collect(machine.snapshot());
    expect(chunks).toHaveLength(1);
    expect(new TextDecoder().decode(chunks[0])).toBe('{"version":1,"entries":[["a","1"],["b","2"]]}');
  });

  it('snapshot captures the state when called, not when iterated', async () => {
    const machine = createKvStateMachine();
    machine.apply({ type: 'put', key: 'x', value: 'before' }, meta(1));
    const snapshot = machine.snapshot();
    machine.apply({ type: 'put', key: 'x', value: 'after' }, meta(2));
    const restored = createKvStateMachine();
    await restored.restore(snapshot);
    expect(readKv(restored, 'x')).toBe('before');
  });

  it('restore replaces the whole state, reassembling a snapshot split into chunks', async () => {
    const machine = createKvStateMachine();
    machine.apply({ type: 'put', key: 'stale', value: 'gone' }, meta(1));
    await machine.restore(chunksOf('{"version":1,"entr', 'ies":[["k","v"]]}'));
    expect(readKv(machine, 'k')).toBe('v');
    expect(readKv(machine, 'stale')).toBe(null);
    expect(machine.size).toBe(1);
  });

  it('restore rejects bytes that are not a KV snapshot and keeps the old state', async () => {
    const machine = createKvStateMachine();
    machine.apply({ type: 'put', key: 'x', value: '1' }, meta(1));
    await expect(machine.restore(chunksOf('not json'))).rejects.toThrow(KvSnapshotError);
    await expect(machine.restore(chunksOf('{"version":2,"entries":[]}'))).rejects.toThrow('unsupported KV snapshot version 2');
    await expect(machine.restore(chunksOf('{"version":1,"entries":[["x",1]]}'))).rejects.toMatchObject({ code: 'INVALID_SNAPSHOT' });
    expect(readKv(machine, 'x')).toBe('1');
  });
});

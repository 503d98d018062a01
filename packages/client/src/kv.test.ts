import { describe, expect, it } from 'vitest';
import { RequestRejectedError } from './errors.js';
import { fakeNode, testClient } from './test-support/harness.js';

describe('kv helpers against a fake node', () => {
  it('puts and gets a binary value holding every byte value, back as a plain Uint8Array', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address] });
    const value = Uint8Array.from({ length: 256 }, (_, index) => index);

    expect(await client.kv.put('bytes', value)).toEqual({ index: 1 });
    const read = await client.kv.get('bytes');

    expect(read).toEqual(value);
    expect(Object.getPrototypeOf(read)).toBe(Uint8Array.prototype);
    expect(node.store.kv.get('bytes')).toEqual(value);
  });

  it('stores a string as UTF-8 and reads it back with getString; an absent key reads null', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address] });

    await client.kv.put('greeting', 'héllo ✓');

    expect(node.store.kv.get('greeting')).toEqual(new TextEncoder().encode('héllo ✓'));
    expect(await client.kv.getString('greeting')).toBe('héllo ✓');
    expect(await client.kv.get('missing')).toBeNull();
    expect(await client.kv.getString('missing')).toBeNull();
  });

  it('deletes a key (and deleting an absent key succeeds), each write at the next index', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address] });

    expect(await client.kv.put('k', 'v')).toEqual({ index: 1 });
    expect(await client.kv.delete('k')).toEqual({ index: 2 });
    expect(await client.kv.get('k')).toBeNull();
    expect(await client.kv.delete('k')).toEqual({ index: 3 });
  });

  it('cas sets an absent key with expect null, then refuses a stale expect and reports the current value', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address] });

    expect(await client.kv.cas('lock', null, 'alice')).toEqual({ ok: true, current: 'alice', index: 1 });
    expect(await client.kv.cas('lock', null, 'bob')).toEqual({ ok: false, current: 'alice', index: 2 });
    expect(await client.kv.cas('lock', 'alice', 'carol')).toEqual({ ok: true, current: 'carol', index: 3 });
    expect(await client.kv.getString('lock')).toBe('carol');
    expect(node.requestsOf('command').map((request) => request.command)).toEqual([
      { op: 'cas', key: 'lock', expect: null, value: 'alice' },
      { op: 'cas', key: 'lock', expect: null, value: 'bob' },
      { op: 'cas', key: 'lock', expect: 'alice', value: 'carol' },
    ]);
  });

  it('sends stale: true only for a stale get; a default get carries no stale key (linearizable)', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address] });

    await client.kv.get('a');
    await client.kv.get('a', { stale: true });

    const queries = node.requestsOf('query');
    expect(queries).toHaveLength(2);
    expect('stale' in (queries[0] as object)).toBe(false);
    expect(queries[1]).toMatchObject({ type: 'query', query: { op: 'get', key: 'a' }, stale: true });
  });

  it('refuses an empty key and a key over 1024 UTF-8 bytes with BAD_REQUEST, sending nothing', async () => {
    const node = await fakeNode();
    const client = testClient({ nodes: [node.address] });

    await expect(client.kv.put('', 'v')).rejects.toMatchObject({ name: 'RequestRejectedError', code: 'BAD_REQUEST', certainlyNotApplied: true });
    // 513 two-byte characters: 1026 bytes although only 513 characters.
    await expect(client.kv.get('é'.repeat(513))).rejects.toBeInstanceOf(RequestRejectedError);
    expect(node.requests).toHaveLength(0);
    expect(await client.kv.put('é'.repeat(512), 'v')).toEqual({ index: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../raft/errors.js';
import { createSeededRng } from '../raft/rng.js';
import { SessionSnapshotError } from './errors.js';
import { idempotentCommand, sessionCommand, sessionTick, untrackedCommand } from './session-ids.js';
import { createSessionStateMachine, SESSION_DEFAULTS, type SessionStateMachineOptions } from './session-state-machine.js';
import { collect, concat, CountingMachine, stream, type CountingCommand } from './test-support/counting-machine.js';
import type { SessionCommand, SessionResult } from './types.js';

type Result = number | undefined;

/** Replica is one wrapped machine fed entries at consecutive log indexes from 1. */
class Replica {
  readonly inner = new CountingMachine();
  readonly machine;
  private index = 0;

  constructor(options: SessionStateMachineOptions<Result> = {}) {
    this.machine = createSessionStateMachine(this.inner, options);
  }

  apply(entry: SessionCommand<CountingCommand>): SessionResult<Result> {
    this.index += 1;
    return this.machine.apply(entry, { index: this.index, term: 1 });
  }
}

const add = (clientId: string, sequence: number, amount: number, timestampMs = 0) => sessionCommand<CountingCommand>(clientId, sequence, { add: amount }, timestampMs);
const applied = (result: Result, duplicate: boolean) => ({ status: 'applied', result, duplicate });
const rejectedWith = (code: string) => expect.objectContaining({ status: 'rejected', code });

describe('createSessionStateMachine: client sessions', () => {
  it('applies a retried (clientId, sequence) once and answers the retry with the first answer', () => {
    const replica = new Replica();
    expect(replica.apply(add('a', 1, 5))).toEqual(applied(5, false));
    expect(replica.apply(add('a', 1, 5))).toEqual(applied(5, true));
    expect(replica.apply(add('a', 2, 3))).toEqual(applied(8, false));
    // Even a retry whose command differs is answered from the table: the sequence identifies it.
    expect(replica.apply(add('a', 1, 100))).toEqual(applied(5, true));
    expect(replica.inner.calls).toEqual(['apply 1 {"add":5}', 'apply 3 {"add":3}']);
    expect(replica.inner.total).toBe(8);
  });

  it('keeps sessions apart: the same sequence from two clients is two commands', () => {
    const replica = new Replica();
    expect(replica.apply(add('a', 1, 1))).toEqual(applied(1, false));
    expect(replica.apply(add('b', 1, 1))).toEqual(applied(2, false));
    expect(replica.inner.applications).toBe(2);
    expect(replica.machine.sessionStatus()).toEqual({ clockMs: 0, sessions: 2, idempotencyKeys: 0 });
  });

  it('stores what the inner machine threw as a failed answer and gives it to the retry without applying again', () => {
    const replica = new Replica();
    const fail = sessionCommand<CountingCommand>('a', 1, { fail: 'insufficient funds' }, 0);
    expect(replica.apply(fail)).toEqual({ status: 'failed', message: 'insufficient funds', duplicate: false });
    expect(replica.apply(fail)).toEqual({ status: 'failed', message: 'insufficient funds', duplicate: true });
    expect(replica.inner.applications).toBe(1);
  });

  it('answers SESSION_EXPIRED, without applying, to an unknown client whose sequence is not 1', () => {
    const replica = new Replica();
    expect(replica.apply(add('stranger', 2, 1))).toEqual(rejectedWith('SESSION_EXPIRED'));
    expect(replica.inner.applications).toBe(0);
    expect(replica.machine.sessionStatus().sessions).toBe(0);
  });

  it('answers SESSION_RESULT_EVICTED for a sequence older than the last maxRetainedResults answers', () => {
    const replica = new Replica({ maxRetainedResults: 3 });
    for (let sequence = 1; sequence <= 5; sequence++) expect(replica.apply(add('a', sequence, 1))).toEqual(applied(sequence, false));
    expect(replica.apply(add('a', 1, 1))).toEqual(rejectedWith('SESSION_RESULT_EVICTED'));
    expect(replica.apply(add('a', 2, 1))).toEqual(rejectedWith('SESSION_RESULT_EVICTED'));
    expect(replica.apply(add('a', 3, 1))).toEqual(applied(3, true));
    expect(replica.apply(add('a', 5, 1))).toEqual(applied(5, true));
    expect(replica.apply(add('a', 6, 1))).toEqual(applied(6, false));
    // 6 pushed 3 out.
    expect(replica.apply(add('a', 3, 1))).toEqual(rejectedWith('SESSION_RESULT_EVICTED'));
    expect(replica.inner.applications).toBe(6);
  });

  it('applies a sequence that arrives after a later one (pipelined retries) once, within the retained window', () => {
    const replica = new Replica({ maxRetainedResults: 3 });
    expect(replica.apply(add('a', 1, 1))).toEqual(applied(1, false));
    expect(replica.apply(add('a', 3, 10))).toEqual(applied(11, false));
    expect(replica.apply(add('a', 2, 100))).toEqual(applied(111, false));
    expect(replica.apply(add('a', 2, 100))).toEqual(applied(111, true));
    // 4 evicts the first-applied answer (sequence 1), 5 the next (sequence 3): then 2 is kept but
    // 3 is not, and both 1 and 3 are refused, never re-applied.
    replica.apply(add('a', 4, 0));
    replica.apply(add('a', 5, 0));
    expect(replica.apply(add('a', 2, 100))).toEqual(applied(111, true));
    expect(replica.apply(add('a', 3, 10))).toEqual(rejectedWith('SESSION_RESULT_EVICTED'));
    expect(replica.apply(add('a', 1, 1))).toEqual(rejectedWith('SESSION_RESULT_EVICTED'));
    expect(replica.inner.applications).toBe(5);
  });

  it('expires a session idle for MORE than sessionTimeoutMs of entry time; only sequence 1 then starts a new one', () => {
    const replica = new Replica({ sessionTimeoutMs: 1000 });
    expect(replica.apply(add('a', 1, 1, 5000))).toEqual(applied(1, false));
    expect(replica.apply(sessionTick(6000))).toEqual({ status: 'ticked', clockMs: 6000 });
    expect(replica.machine.sessionStatus().sessions).toBe(1);
    expect(replica.apply(sessionTick(6001))).toEqual({ status: 'ticked', clockMs: 6001 });
    expect(replica.machine.sessionStatus().sessions).toBe(0);
    expect(replica.apply(add('a', 2, 1, 6001))).toEqual(rejectedWith('SESSION_EXPIRED'));
    // The documented rule: sequence 1 from an unknown client begins a session, even an old id.
    expect(replica.apply(add('a', 1, 1, 6001))).toEqual(applied(2, false));
    expect(replica.inner.applications).toBe(2);
  });

  it('keeps a session alive while its client sends commands, retries included', () => {
    const replica = new Replica({ sessionTimeoutMs: 1000 });
    replica.apply(add('a', 1, 1, 0));
    replica.apply(add('a', 1, 1, 900));
    replica.apply(add('a', 1, 1, 1800));
    expect(replica.apply(add('a', 2, 1, 2700))).toEqual(applied(2, false));
  });

  it('evicts the least recently used session past maxSessions', () => {
    const replica = new Replica({ maxSessions: 2 });
    replica.apply(add('a', 1, 1, 10));
    replica.apply(add('b', 1, 1, 20));
    replica.apply(add('a', 2, 1, 30));
    replica.apply(add('c', 1, 1, 40));
    expect(replica.machine.sessionStatus().sessions).toBe(2);
    expect(replica.apply(add('b', 2, 1, 50))).toEqual(rejectedWith('SESSION_EXPIRED'));
    expect(replica.apply(add('a', 3, 1, 60))).toEqual(applied(5, false));
    expect(replica.apply(add('c', 1, 1, 70))).toEqual(applied(4, true));
  });

  it('decides expiry identically on two replicas fed the same entries with non-monotonic timestamps', async () => {
    const entries: SessionCommand<CountingCommand>[] = [
      add('a', 1, 1, 1000),
      sessionTick(2500), // a has been idle 1500 ms: expired
      add('a', 2, 1, 1200), // a slow leader's clock cannot bring a back
      add('b', 1, 10, 900), // b starts at session time 2500, not 900
      sessionTick(3400), // b idle 900 ms: alive
      add('b', 2, 10, 3000),
      sessionTick(2000), // time never moves back
      sessionTick(4401), // b idle 1001 ms since 3400: expired
      add('b', 3, 10, 4401),
    ];
    const expected = [
      applied(1, false),
      { status: 'ticked', clockMs: 2500 },
      rejectedWith('SESSION_EXPIRED'),
      applied(11, false),
      { status: 'ticked', clockMs: 3400 },
      applied(21, false),
      { status: 'ticked', clockMs: 3400 },
      { status: 'ticked', clockMs: 4401 },
      rejectedWith('SESSION_EXPIRED'),
    ];
    const first = new Replica({ sessionTimeoutMs: 1000 });
    const second = new Replica({ sessionTimeoutMs: 1000 });
    const firstAnswers = entries.map((entry) => first.apply(entry));
    const secondAnswers = entries.map((entry) => second.apply(entry));
    expect(firstAnswers).toEqual(expected);
    expect(secondAnswers).toEqual(firstAnswers);
    expect(concat(await collect(first.machine.snapshot()))).toEqual(concat(await collect(second.machine.snapshot())));
  });

  it('gives the same answers on a replica that restores a snapshot midway as on one that applies every entry (seeded random workload)', async () => {
    const random = createSeededRng(42);
    const pick = (n: number) => Math.floor(random() * n);
    const clients = ['a', 'b', 'c', 'd'];
    const sequences = new Map<string, number>(clients.map((client) => [client, 0]));
    const entries: SessionCommand<CountingCommand>[] = [];
    let time = 0;
    for (let step = 0; step < 400; step++) {
      time += pick(300) - 100; // leaders' clocks disagree: timestamps sometimes go back
      const roll = pick(10);
      if (roll === 0) {
        entries.push(sessionTick(time));
      } else if (roll <= 2) {
        entries.push(idempotentCommand<CountingCommand>(`key-${pick(20)}`, `hash-${pick(2)}`, { add: 1 }, time));
      } else {
        const client = clients[pick(clients.length)]!;
        const last = sequences.get(client)!;
        // Mostly new sequences, sometimes a retry of a recent one or a restart at 1.
        const sequence = roll === 3 ? Math.max(1, last - pick(4)) : roll === 4 ? 1 : last + 1;
        sequences.set(client, Math.max(last, sequence));
        entries.push(add(client, sequence, 1 + pick(5), time));
      }
    }
    const options = { sessionTimeoutMs: 2000, maxSessions: 3, maxRetainedResults: 2, maxIdempotencyKeys: 8 };
    const straight = new Replica(options);
    const straightAnswers = entries.map((entry) => straight.apply(entry));

    const before = new Replica(options);
    const answersBefore = entries.slice(0, 200).map((entry) => before.apply(entry));
    const restored = new Replica(options);
    await restored.machine.restore(before.machine.snapshot());
    const answersAfter = entries.slice(200).map((entry) => restored.apply(entry));

    expect([...answersBefore, ...answersAfter]).toEqual(straightAnswers);
    expect(restored.inner.total).toBe(straight.inner.total);
    expect(new Set(straightAnswers.map((answer) => (answer.status === 'rejected' ? answer.code : answer.status)))).toEqual(
      new Set(['applied', 'ticked', 'SESSION_EXPIRED', 'SESSION_RESULT_EVICTED', 'IDEMPOTENCY_KEY_REUSED']),
    );
  });
});

describe('createSessionStateMachine: idempotency keys', () => {
  it('answers a retry with the same key and request hash with the first answer, applied once', () => {
    const replica = new Replica();
    const put = idempotentCommand<CountingCommand>('key-1', 'hash-a', { add: 7 }, 0);
    expect(replica.apply(put)).toEqual(applied(7, false));
    expect(replica.apply(put)).toEqual(applied(7, true));
    expect(replica.inner.applications).toBe(1);
  });

  it('refuses the same key with a different request hash with IDEMPOTENCY_KEY_REUSED, without applying', () => {
    const replica = new Replica();
    replica.apply(idempotentCommand<CountingCommand>('key-1', 'hash-a', { add: 7 }, 0));
    expect(replica.apply(idempotentCommand<CountingCommand>('key-1', 'hash-b', { add: 7 }, 0))).toEqual({
      status: 'rejected',
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: 'idempotency key key-1 was first used with another request',
    });
    expect(replica.inner.applications).toBe(1);
    // The first request is still answered from the table.
    expect(replica.apply(idempotentCommand<CountingCommand>('key-1', 'hash-a', { add: 7 }, 0))).toEqual(applied(7, true));
  });

  it('keeps the last maxIdempotencyKeys keys by log order of first use; a retry does not refresh a key', () => {
    const replica = new Replica({ maxIdempotencyKeys: 3 });
    const put = (key: string) => replica.apply(idempotentCommand<CountingCommand>(key, 'h', { add: 1 }, 0));
    for (const key of ['k1', 'k2', 'k3', 'k4']) put(key);
    expect(replica.machine.sessionStatus().idempotencyKeys).toBe(3);
    expect(replica.inner.applications).toBe(4);
    expect(put('k2')).toEqual(applied(2, true)); // a retry: k2 keeps its place
    expect(put('k5')).toEqual(applied(5, false)); // forgets k2, the oldest
    expect(put('k3')).toEqual(applied(3, true));
    expect(put('k2')).toEqual(applied(6, false)); // forgotten, so applied again
    expect(put('k1')).toEqual(applied(7, false));
    expect(replica.inner.applications).toBe(7);
  });

  it('applies an untracked command every time it is committed', () => {
    const replica = new Replica();
    const entry = untrackedCommand<CountingCommand>({ add: 2 }, 0);
    expect(replica.apply(entry)).toEqual(applied(2, false));
    expect(replica.apply(entry)).toEqual(applied(4, false));
  });
});

describe('createSessionStateMachine: validation and pass-through', () => {
  it.each([
    ['a negative sequence', { type: 'command', clientId: 'a', sequence: -1, timestampMs: 0, command: { add: 1 } }],
    ['a fractional sequence', { type: 'command', clientId: 'a', sequence: 1.5, timestampMs: 0, command: { add: 1 } }],
    ['an empty clientId', { type: 'command', clientId: '', sequence: 1, timestampMs: 0, command: { add: 1 } }],
    ['a sequence without clientId', { type: 'command', sequence: 1, timestampMs: 0, command: { add: 1 } }],
    ['both a session and a key', { type: 'command', clientId: 'a', sequence: 1, idempotencyKey: 'k', requestHash: 'h', timestampMs: 0, command: { add: 1 } }],
    ['an empty idempotency key', { type: 'command', idempotencyKey: '', requestHash: 'h', timestampMs: 0, command: { add: 1 } }],
    ['a missing timestamp', { type: 'command', command: { add: 1 } }],
    ['a non-finite timestamp', { type: 'tick', timestampMs: Number.POSITIVE_INFINITY }],
    ['an unknown type', { type: 'bogus', timestampMs: 0 }],
  ])('refuses %s with INVALID_SESSION_COMMAND, applies nothing and keeps session time', (_name, entry) => {
    const replica = new Replica();
    replica.apply(sessionTick(100));
    expect(replica.apply(entry as unknown as SessionCommand<CountingCommand>)).toEqual(rejectedWith('INVALID_SESSION_COMMAND'));
    expect(replica.inner.applications).toBe(0);
    expect(replica.machine.sessionStatus()).toEqual({ clockMs: 100, sessions: 0, idempotencyKeys: 0 });
  });

  it.each([
    ['maxRetainedResults', { maxRetainedResults: 0 }],
    ['maxSessions', { maxSessions: 1.5 }],
    ['maxIdempotencyKeys', { maxIdempotencyKeys: -1 }],
    ['sessionTimeoutMs', { sessionTimeoutMs: 0 }],
  ])('rejects a bad %s with ConfigError INVALID_LIMIT', (name, options) => {
    const create = () => createSessionStateMachine(new CountingMachine(), options);
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(`INVALID_LIMIT: ${name}`);
  });

  it('documents its defaults: 64 answers per client, 1 h timeout, 10,000 sessions and 10,000 keys', () => {
    expect(SESSION_DEFAULTS).toEqual({ maxRetainedResults: 64, sessionTimeoutMs: 3_600_000, maxSessions: 10_000, maxIdempotencyKeys: 10_000 });
  });

  it('passes queries to the inner machine', () => {
    const replica = new Replica();
    replica.apply(add('a', 1, 9));
    expect(replica.machine.query('total')).toEqual(applied(9, false));
  });
});

describe('createSessionStateMachine: snapshots', () => {
  it('deduplicates retries on a fresh wrapper restored from a snapshot, and restores the inner machine with its chunks intact', async () => {
    const leader = new Replica({ maxRetainedResults: 2 });
    leader.apply(add('a', 1, 5, 1000));
    leader.apply(add('a', 2, 1, 1000));
    leader.apply(add('a', 3, 1, 1000));
    leader.apply(sessionCommand<CountingCommand>('b', 1, { nothing: true }, 1000));
    leader.apply(sessionCommand<CountingCommand>('b', 2, { fail: 'no' }, 1000));
    leader.apply(idempotentCommand<CountingCommand>('key', 'hash', { add: 10 }, 2000));

    const follower = new Replica({ maxRetainedResults: 2 });
    // Re-chunked into 5-byte pieces, as a storage that keeps only the byte stream might.
    await follower.machine.restore(stream(concat(await collect(leader.machine.snapshot())), 5));
    expect(follower.inner.calls).toEqual(['restore 17 from 2 chunks']);
    expect(follower.machine.sessionStatus()).toEqual({ clockMs: 2000, sessions: 2, idempotencyKeys: 1 });

    expect(follower.apply(add('a', 3, 1, 2000))).toEqual(applied(7, true));
    expect(follower.apply(add('a', 1, 5, 2000))).toEqual(rejectedWith('SESSION_RESULT_EVICTED'));
    expect(follower.apply(sessionCommand<CountingCommand>('b', 1, { nothing: true }, 2000))).toEqual(applied(undefined, true));
    expect(follower.apply(sessionCommand<CountingCommand>('b', 2, { fail: 'no' }, 2000))).toEqual({ status: 'failed', message: 'no', duplicate: true });
    expect(follower.apply(idempotentCommand<CountingCommand>('key', 'hash', { add: 10 }, 2000))).toEqual(applied(17, true));
    expect(follower.apply(idempotentCommand<CountingCommand>('key', 'other', { add: 10 }, 2000))).toEqual(rejectedWith('IDEMPOTENCY_KEY_REUSED'));
    expect(follower.apply(add('a', 4, 1, 2000))).toEqual(applied(18, false));
    expect(follower.inner.calls).toEqual(['restore 17 from 2 chunks', 'apply 7 {"add":1}']);
  });

  it('captures the state when snapshot() is called, not when the stream is read', async () => {
    const replica = new Replica();
    replica.apply(add('a', 1, 5));
    const snapshot = replica.machine.snapshot();
    replica.apply(add('a', 2, 1));
    const restored = new Replica();
    await restored.machine.restore(snapshot);
    expect(restored.inner.total).toBe(5);
    expect(restored.apply(add('a', 2, 1))).toEqual(applied(6, false));
  });

  it('copies the table when snapshot() is called: later answers, sessions, keys and evictions stay out of it', async () => {
    const replica = new Replica({ maxRetainedResults: 2 });
    replica.apply(add('a', 1, 5));
    replica.apply(add('a', 2, 1));
    const snapshot = replica.machine.snapshot();
    // After the call: a third answer evicts the first, a second client starts, a key is used.
    replica.apply(add('a', 3, 1));
    replica.apply(add('b', 1, 1));
    replica.apply(idempotentCommand<CountingCommand>('key-1', 'hash', { add: 1 }, 0));
    expect(replica.apply(add('a', 1, 5))).toEqual(rejectedWith('SESSION_RESULT_EVICTED'));

    const restored = new Replica({ maxRetainedResults: 2 });
    await restored.machine.restore(snapshot);
    expect(restored.machine.sessionStatus()).toEqual({ clockMs: 0, sessions: 1, idempotencyKeys: 0 });
    expect(restored.apply(add('a', 1, 5))).toEqual(applied(5, true));
    expect(restored.apply(add('a', 3, 1))).toEqual(applied(7, false));
  });

  it('pauses while encoding a large table, every 1,024 records, and writes the same bytes as without pauses', async () => {
    let pauses = 0;
    const paused = new Replica({ pauseWhileEncoding: () => Promise.resolve(void pauses++) });
    const plain = new Replica();
    // 40 clients with 64 retained answers each: 40 × (1 + 64) = 2,600 records, so two pauses.
    for (let sequence = 1; sequence <= 64; sequence++) {
      for (let client = 0; client < 40; client++) {
        paused.apply(add(`client-${client}`, sequence, 1));
        plain.apply(add(`client-${client}`, sequence, 1));
      }
    }
    const snapshot = paused.machine.snapshot();
    expect(pauses).toBe(0);
    const written = concat(await collect(snapshot));
    expect(pauses).toBe(2);
    expect(written).toEqual(concat(await collect(plain.machine.snapshot())));
    const restored = new Replica();
    await restored.machine.restore(stream(written));
    expect(restored.machine.sessionStatus().sessions).toBe(40);
    // Each answer is the running total: client 7's sequence s was the ((s - 1) × 40 + 8)th add.
    expect(restored.apply(add('client-7', 1, 1))).toEqual(applied(8, true));
    expect(restored.apply(add('client-7', 64, 1))).toEqual(applied(2528, true));
  });

  it('writes the session table into the first chunk and one frame per inner chunk, then an end frame', async () => {
    const replica = new Replica();
    replica.apply(add('a', 1, 5));
    const chunks = await collect(replica.machine.snapshot());
    expect(chunks).toHaveLength(4);
    expect([...chunks[0]!.subarray(0, 5)]).toEqual([0x52, 0x4b, 0x53, 0x53, 1]);
  });

  it('applies limits smaller than the snapshot writer used, deterministically, when restoring', async () => {
    const big = new Replica();
    for (const client of ['a', 'b', 'c']) for (let sequence = 1; sequence <= 3; sequence++) big.apply(add(client, sequence, 1));
    const small = new Replica({ maxSessions: 2, maxRetainedResults: 1 });
    await small.machine.restore(big.machine.snapshot());
    expect(small.machine.sessionStatus().sessions).toBe(2);
    expect(small.apply(add('a', 3, 1))).toEqual(rejectedWith('SESSION_EXPIRED'));
    expect(small.apply(add('b', 2, 1))).toEqual(rejectedWith('SESSION_RESULT_EVICTED'));
    expect(small.apply(add('c', 3, 1))).toEqual(applied(9, true));
  });
});

describe('createSessionStateMachine: corrupt snapshots', () => {
  async function validSnapshot(): Promise<Uint8Array> {
    const source = new Replica();
    source.apply(add('x', 1, 100));
    return concat(await collect(source.machine.snapshot()));
  }

  /** A replica with state of its own, to check a refused restore changes nothing. */
  function replicaWithState(): Replica {
    const replica = new Replica();
    replica.apply(add('a', 1, 5, 700));
    return replica;
  }

  const corruptions: [string, (bytes: Uint8Array) => Uint8Array, string][] = [
    ['a flipped byte in the inner data', (bytes) => flip(bytes, bytes.byteLength - 15), 'CORRUPT_SNAPSHOT'],
    ['a flipped byte in the session table', (bytes) => flip(bytes, 20), 'CORRUPT_SNAPSHOT'],
    ['a stream cut at a frame boundary (no end frame)', (bytes) => bytes.subarray(0, bytes.byteLength - 13), 'CORRUPT_SNAPSHOT'],
    ['a stream cut inside a frame', (bytes) => bytes.subarray(0, bytes.byteLength - 20), 'CORRUPT_SNAPSHOT'],
    ['trailing bytes', (bytes) => concat([bytes, new Uint8Array([0])]), 'CORRUPT_SNAPSHOT'],
    ['another format (bad magic)', (bytes) => flip(bytes, 0), 'CORRUPT_SNAPSHOT'],
    ['an empty stream', () => new Uint8Array(0), 'CORRUPT_SNAPSHOT'],
    ['a newer format version', (bytes) => withByte(bytes, 4, 2), 'UNSUPPORTED_SNAPSHOT_VERSION'],
  ];

  it.each(corruptions)('refuses %s with SessionSnapshotError and leaves the table and the inner machine unchanged', async (_name, corrupt, code) => {
    const replica = replicaWithState();
    const error = await replica.machine.restore(stream(corrupt(await validSnapshot()), 7)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionSnapshotError);
    expect(error).toMatchObject({ code });
    expect(replica.inner.calls).toEqual(['apply 1 {"add":5}']);
    expect(replica.machine.sessionStatus()).toEqual({ clockMs: 700, sessions: 1, idempotencyKeys: 0 });
    expect(replica.apply(add('a', 1, 5))).toEqual(applied(5, true));
    expect(replica.apply(add('x', 2, 1))).toEqual(rejectedWith('SESSION_EXPIRED'));
  });

  it('refuses a well-framed table whose stored result the codec cannot decode, changing nothing', async () => {
    const writer = new Replica({ resultCodec: { encode: () => new Uint8Array([0xff]), decode: () => 0 } });
    writer.apply(add('x', 1, 1));
    const replica = replicaWithState();
    const error = await replica.machine.restore(writer.machine.snapshot()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionSnapshotError);
    expect(error).toMatchObject({ code: 'CORRUPT_SNAPSHOT', message: 'CORRUPT_SNAPSHOT: a stored result does not decode' });
    expect(replica.inner.calls).toEqual(['apply 1 {"add":5}']);
  });
});

function flip(bytes: Uint8Array, position: number): Uint8Array {
  return withByte(bytes, position, bytes[position]! ^ 0x01);
}

function withByte(bytes: Uint8Array, position: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[position] = value;
  return copy;
}

/**
 * The Transport conformance suite: what every `Transport` implementation MUST do, as a set of
 * tests a package runs against its own transport (openraft's `testing/log/suite.rs` does the same
 * for storage). The core has no test-framework dependency, so the suite takes the framework's
 * `describe`, `it` and `expect` as parameters:
 *
 * ```ts
 * import { describe, expect, it } from 'vitest';
 * import { describeTransportConformance } from '@raftkit/core/testing';
 *
 * describeTransportConformance({ describe, it, expect }, {
 *   name: 'my transport',
 *   async create(ids) { ... return { transports: { a, b, c } }; },
 * });
 * ```
 *
 * What is checked: delivery in both directions with the sender's id, every field of a message
 * (Uint8Array payloads arrive as Uint8Array with the same bytes), the order of messages from one
 * sender to one receiver, `send` to an unknown or stopped peer never throwing, and `close`
 * stopping delivery. Not checked: loss, delay or duplication, which a transport may do (Raft
 * tolerates them), so every check waits only for messages a healthy link must deliver.
 */
import { encodeConfig } from '../raft/membership.js';
import type { AppendEntriesMessage, HeartbeatMessage, InstallSnapshotMessage, Message, NodeId } from '../raft/types.js';
import type { Transport } from '../runtime/interfaces.js';

/** The assertions the suite uses; vitest's and jest's `expect` provide them. */
export interface ConformanceExpect {
  (actual: unknown): {
    /** toEqual asserts deep equality. */
    toEqual(expected: unknown): void;
    /** toBe asserts identity (`Object.is`). */
    toBe(expected: unknown): void;
    /** toBeInstanceOf asserts the value is an instance of the class. */
    toBeInstanceOf(expected: abstract new (...args: never[]) => unknown): void;
  };
}

/** The test framework the suite registers its tests with (vitest's `describe`, `it`, `expect`). */
export interface ConformanceFramework {
  /** describe groups the suite's tests under a name. */
  describe(name: string, body: () => void): void;
  /** it registers one test, with an optional timeout. */
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  expect: ConformanceExpect;
}

/** TransportFixture is one test's set of transports, made by `TransportHarness.create`. */
export interface TransportFixture {
  /** One transport per id asked for, not started. Once started, each can reach the others. */
  readonly transports: Readonly<Record<NodeId, Transport>>;
  /**
   * dispose releases what `create` made besides the transports (servers, ports). The suite closes
   * every transport first.
   */
  dispose?(): Promise<void>;
}

/** TransportHarness builds the transports under test. */
export interface TransportHarness {
  /** name appears in the test titles. */
  readonly name: string;
  /** create returns fresh, unstarted transports for `ids`, able to reach each other. */
  create(ids: readonly NodeId[]): Promise<TransportFixture>;
  /** How long a message may take to arrive before a check fails. Default 5000 ms. */
  readonly deliveryTimeoutMs?: number;
}

/** Received records one delivered message with the `from` the transport reported. */
interface Received {
  readonly from: NodeId;
  readonly message: Message;
}

/**
 * Inbox collects what one transport delivers and lets a test wait for a count of messages, with a
 * deadline instead of a sleep.
 */
class Inbox {
  readonly received: Received[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly timeoutMs: number) {}

  readonly onMessage = (from: NodeId, message: Message): void => {
    this.received.push({ from, message });
    this.waiters = this.waiters.filter((waiter) => {
      if (this.received.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  /** waitFor resolves once `count` messages arrived in total, and fails after the deadline. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = { count, resolve: () => {} };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        const got = this.received.map((entry) => `${entry.from}:${entry.message.type}`).join(', ');
        reject(new Error(`expected ${count} messages within ${this.timeoutMs} ms, got ${this.received.length}: [${got}]`));
      }, this.timeoutMs);
      waiter.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }
}

const heartbeat = (from: NodeId, to: NodeId, round: number): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 3, commit: 7, round });

/** compareBytes says how long `actual` is and where it first differs from `expected` (-1: nowhere). */
function compareBytes(actual: Uint8Array, expected: Uint8Array): { length: number; firstDifference: number } {
  const length = Math.max(actual.byteLength, expected.byteLength);
  for (let index = 0; index < length; index++) {
    if (actual[index] !== expected[index]) return { length: actual.byteLength, firstDifference: index };
  }
  return { length: actual.byteLength, firstDifference: -1 };
}

const same = (length: number) => ({ length, firstDifference: -1 });

function bytes(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let index = 0; index < length; index++) data[index] = (index * 31 + seed) & 0xff;
  return data;
}

/**
 * describeTransportConformance registers the conformance tests for the transport `harness`
 * builds. Every test asks for transports `a`, `b` and `c`, starts the ones it needs and closes all
 * of them at the end, whatever happened.
 */
export function describeTransportConformance(framework: ConformanceFramework, harness: TransportHarness): void {
  const { describe, it, expect } = framework;
  const timeoutMs = harness.deliveryTimeoutMs ?? 5000;

  /** Runs `body` with started transports for `started` (of a, b, c), then closes everything. */
  async function withTransports(
    started: readonly NodeId[],
    body: (transports: Readonly<Record<NodeId, Transport>>, inboxes: Readonly<Record<NodeId, Inbox>>) => Promise<void>,
  ): Promise<void> {
    const fixture = await harness.create(['a', 'b', 'c']);
    const inboxes: Record<NodeId, Inbox> = {};
    try {
      for (const id of started) {
        const inbox = new Inbox(timeoutMs);
        inboxes[id] = inbox;
        await transportOf(fixture, id).start(inbox.onMessage);
      }
      await body(fixture.transports, inboxes);
    } finally {
      await Promise.allSettled(Object.values(fixture.transports).map((transport) => transport.close()));
      await fixture.dispose?.();
    }
  }

  describe(`Transport conformance: ${harness.name}`, () => {
    it('delivers a message in each direction and reports the sender as from', async () => {
      await withTransports(['a', 'b'], async (transports, inboxes) => {
        transports['a']!.send('b', heartbeat('a', 'b', 1));
        await inboxes['b']!.waitFor(1);
        transports['b']!.send('a', { type: 'heartbeatResponse', from: 'b', to: 'a', term: 3, round: 1 });
        await inboxes['a']!.waitFor(1);
        expect(inboxes['b']!.received).toEqual([{ from: 'a', message: heartbeat('a', 'b', 1) }]);
        expect(inboxes['a']!.received).toEqual([{ from: 'b', message: { type: 'heartbeatResponse', from: 'b', to: 'a', term: 3, round: 1 } }]);
      });
    });

    it('round-trips every field, with Uint8Array entry data and snapshot data as Uint8Array', async () => {
      await withTransports(['a', 'b'], async (transports, inboxes) => {
        const append: AppendEntriesMessage = {
          type: 'appendEntries',
          from: 'a',
          to: 'b',
          term: 4,
          prevLogIndex: 9,
          prevLogTerm: 3,
          leaderCommit: 8,
          entries: [
            { index: 10, term: 4, type: 'normal', data: new Uint8Array(0) },
            { index: 11, term: 4, type: 'normal', data: bytes(300, 1) },
            // Valid messages only: a transport may refuse a malformed one (see validateMessage).
            { index: 12, term: 4, type: 'config', data: encodeConfig({ voters: ['a', 'b'], outgoingVoters: [], learners: [] }) },
          ],
        };
        const chunk: InstallSnapshotMessage = {
          type: 'installSnapshot',
          from: 'a',
          to: 'b',
          term: 4,
          meta: { index: 100, term: 4, config: { voters: ['a', 'b'], outgoingVoters: [], learners: ['c'], addresses: { a: 'h:1' } } },
          offset: 65536,
          data: bytes(70_000, 3),
          done: false,
        };
        transports['a']!.send('b', append);
        transports['a']!.send('b', chunk);
        await inboxes['b']!.waitFor(2);
        const [first, second] = inboxes['b']!.received.map((entry) => entry.message) as [AppendEntriesMessage, InstallSnapshotMessage];
        // Bytes are compared by a loop, not by deep equality (slow on 70 kB), then everything else.
        expect(first.entries.map((entry) => entry.data instanceof Uint8Array)).toEqual([true, true, true]);
        expect(first.entries.map((entry, index) => compareBytes(entry.data, append.entries[index]!.data))).toEqual([same(0), same(300), same(append.entries[2]!.data.byteLength)]);
        expect(second.data).toBeInstanceOf(Uint8Array);
        expect(compareBytes(second.data, chunk.data)).toEqual(same(70_000));
        expect({ ...first, entries: first.entries.map((entry) => ({ ...entry, data: null })) }).toEqual({ ...append, entries: append.entries.map((entry) => ({ ...entry, data: null })) });
        expect({ ...second, data: null }).toEqual({ ...chunk, data: null });
      });
    });

    it('preserves the order of messages from one sender to one receiver, within a turn and across turns', async () => {
      await withTransports(['a', 'b'], async (transports, inboxes) => {
        const rounds: number[] = [];
        for (let turn = 0; turn < 5; turn++) {
          for (let index = 0; index < 60; index++) {
            const round = turn * 60 + index;
            rounds.push(round);
            // Mix small and large messages so a transport that splits or batches is exercised.
            if (index % 20 === 7) {
              transports['a']!.send('b', { type: 'appendEntries', from: 'a', to: 'b', term: 3, prevLogIndex: round, prevLogTerm: 3, leaderCommit: 0, entries: [{ index: round + 1, term: 3, type: 'normal', data: bytes(40_000, round) }] });
            } else {
              transports['a']!.send('b', heartbeat('a', 'b', round));
            }
          }
          await new Promise<void>((resolve) => setTimeout(resolve, 0));
        }
        await inboxes['b']!.waitFor(rounds.length);
        const seen = inboxes['b']!.received.map(({ message }) => (message.type === 'heartbeat' ? message.round : message.type === 'appendEntries' ? message.prevLogIndex : -1));
        expect(seen).toEqual(rounds);
      });
    });

    it('keeps the messages of different senders apart, each reported with its own from', async () => {
      await withTransports(['a', 'b', 'c'], async (transports, inboxes) => {
        for (let round = 1; round <= 3; round++) {
          transports['a']!.send('c', heartbeat('a', 'c', round));
          transports['b']!.send('c', heartbeat('b', 'c', round));
        }
        await inboxes['c']!.waitFor(6);
        const bySender = (from: NodeId) => inboxes['c']!.received.filter((entry) => entry.from === from).map((entry) => [entry.message.from, (entry.message as HeartbeatMessage).round]);
        expect(bySender('a')).toEqual([['a', 1], ['a', 2], ['a', 3]]);
        expect(bySender('b')).toEqual([['b', 1], ['b', 2], ['b', 3]]);
      });
    });

    it('send to an unknown or stopped peer does not throw, and the sender keeps working', async () => {
      await withTransports(['a', 'b'], async (transports, inboxes) => {
        // `c` exists but was never started; `nobody` is not a peer at all.
        for (let round = 1; round <= 50; round++) {
          transports['a']!.send('c', heartbeat('a', 'c', round));
          transports['a']!.send('nobody', heartbeat('a', 'nobody', round));
        }
        transports['a']!.send('b', heartbeat('a', 'b', 51));
        await inboxes['b']!.waitFor(1);
        expect(inboxes['b']!.received).toEqual([{ from: 'a', message: heartbeat('a', 'b', 51) }]);
      });
    });

    it('close stops delivery: a closed transport receives nothing, even what was sent just before', async () => {
      await withTransports(['a', 'b', 'c'], async (transports, inboxes) => {
        transports['a']!.send('b', heartbeat('a', 'b', 1));
        await inboxes['b']!.waitFor(1);
        transports['a']!.send('b', heartbeat('a', 'b', 2));
        await transports['b']!.close();
        transports['a']!.send('b', heartbeat('a', 'b', 3));
        // Sending from a closed transport is allowed and does nothing (a throw fails the test).
        transports['b']!.send('a', heartbeat('b', 'a', 4));
        // A round trip through a live peer after the sends: enough for any delivery to b to land.
        transports['a']!.send('c', heartbeat('a', 'c', 5));
        await inboxes['c']!.waitFor(1);
        transports['c']!.send('a', { type: 'heartbeatResponse', from: 'c', to: 'a', term: 3, round: 5 });
        await inboxes['a']!.waitFor(1);
        expect(inboxes['b']!.received.map(({ message }) => (message as HeartbeatMessage).round)).toEqual([1]);
        expect(inboxes['a']!.received.map(({ from, message }) => `${from}:${message.type}`)).toEqual(['c:heartbeatResponse']);
        // Closing twice is harmless.
        await transports['b']!.close();
      });
    });
  });
}

function transportOf(fixture: TransportFixture, id: NodeId): Transport {
  const transport = fixture.transports[id];
  if (transport === undefined) throw new Error(`the harness made no transport for ${id}`);
  return transport;
}

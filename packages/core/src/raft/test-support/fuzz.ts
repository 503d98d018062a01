/**
 * Seeds and arbitraries for the fuzz suites. Each run uses a fresh seed unless `FUZZ_SEED` is set,
 * and a failure names the seed to replay (`FUZZ_SEED=<seed> pnpm test`), as fast-check's report
 * does with its counterexample.
 */
import fc from 'fast-check';
import { encodeConfig } from '../membership.js';
import type { Message } from '../types.js';

/** fuzzSeed is `FUZZ_SEED` when set, else a fresh one. */
export function fuzzSeed(): number {
  const fromEnv = process.env['FUZZ_SEED'];
  return fromEnv === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(fromEnv);
}

/** fuzz runs `property` `numRuns` times from a seed and rethrows a failure with the seed to replay in front. */
export function fuzz<Values>(name: string, property: fc.IProperty<Values> | fc.IAsyncProperty<Values>, numRuns: number): void | Promise<void> {
  const seed = fuzzSeed();
  const report = (error: unknown): never => {
    throw new Error(`fuzz "${name}" failed with FUZZ_SEED=${seed}\n${(error as Error).message}`, { cause: error });
  };
  try {
    const result = fc.assert(property as fc.IProperty<Values>, { seed, numRuns }) as unknown;
    if (result instanceof Promise) return result.catch(report);
  } catch (error) {
    report(error);
  }
}

const id = fc.constantFrom('a', 'b', 'c', 'n1', '');
const small = fc.nat({ max: 20 });
/** A number a peer might send: mostly small, sometimes at or past the safe edges. */
const number = fc.oneof(
  { weight: 8, arbitrary: small },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, -0) },
  { weight: 1, arbitrary: fc.double() },
);
const bytes = fc.uint8Array({ maxLength: 32 });
const config = fc.record({ voters: fc.array(id, { maxLength: 3 }), outgoingVoters: fc.array(id, { maxLength: 2 }), learners: fc.array(id, { maxLength: 2 }) });
const entry = fc.record({
  index: number,
  term: number,
  type: fc.constantFrom('normal', 'config', 'other'),
  data: fc.oneof(bytes, config.map((value) => encodeConfig(value))),
});

/** rawMessage: an object shaped like a Message of any type, with fields that may be out of range. */
export const rawMessage: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    type: fc.constantFrom<Message['type']>(
      'requestVote',
      'requestVoteResponse',
      'appendEntries',
      'appendEntriesResponse',
      'heartbeat',
      'heartbeatResponse',
      'installSnapshot',
      'installSnapshotResponse',
      'timeoutNow',
      'readIndex',
      'readIndexResponse',
    ),
    from: id,
    to: id,
    term: number,
    preVote: fc.boolean(),
    granted: fc.boolean(),
    lastLogIndex: number,
    lastLogTerm: number,
    prevLogIndex: number,
    prevLogTerm: number,
    entries: fc.array(entry, { maxLength: 4 }),
    leaderCommit: number,
    success: fc.boolean(),
    matchIndex: number,
    rejectedIndex: number,
    conflictIndex: number,
    conflictTerm: number,
    commit: number,
    round: number,
    meta: fc.record({ index: number, term: number, config }),
    offset: number,
    data: bytes,
    done: fc.boolean(),
    index: number,
    context: fc.string({ maxLength: 8 }),
  })
  .map((fields) => fields as Record<string, unknown>);

/** mutated: a raw message with one field removed or replaced by any value at all. */
export const mutatedMessage: fc.Arbitrary<unknown> = fc
  .tuple(rawMessage, fc.nat(), fc.oneof(fc.constant(undefined), fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, maxDepth: 2 })))
  .map(([message, position, value]) => {
    const keys = Object.keys(message);
    const key = keys[position % keys.length]!;
    const copy: Record<string, unknown> = { ...message };
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  });

/** peerValue: anything a peer could make a decoder produce, from garbage to nearly valid messages. */
export const peerValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: rawMessage },
  { weight: 4, arbitrary: mutatedMessage },
  { weight: 2, arbitrary: fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, withObjectString: true, maxDepth: 3 }) },
);

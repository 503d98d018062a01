/**
 * Seeds and generators for the transport's fuzz suites. Each run uses a fresh seed unless
 * `FUZZ_SEED` is set, and a failure names the seed to replay (`FUZZ_SEED=<seed> pnpm test`).
 */
import fc from 'fast-check';
import { encodeFrame, encodeValue } from '../frame-codec.js';

/** fuzz runs `property` `numRuns` times from a seed and rethrows a failure with the seed to replay in front. */
export async function fuzz<Values>(name: string, property: fc.IProperty<Values> | fc.IAsyncProperty<Values>, numRuns: number): Promise<void> {
  const fromEnv = process.env['FUZZ_SEED'];
  const seed = fromEnv === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(fromEnv);
  try {
    await fc.assert(property as fc.IAsyncProperty<Values>, { seed, numRuns });
  } catch (error) {
    throw new Error(`fuzz "${name}" failed with FUZZ_SEED=${seed}\n${(error as Error).message}`, { cause: error });
  }
}

const number = fc.oneof(
  { weight: 8, arbitrary: fc.nat({ max: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, Number.NaN, 2 ** 53, Number.MAX_SAFE_INTEGER, 2 ** 64) },
);
const anything = fc.anything({ withBigInt: false, withTypedArray: true, withNullPrototype: true, maxDepth: 1, maxKeys: 3 });

/** message: a Raft-message-shaped object from `from` to `to`, possibly with fields out of range or of the wrong type. */
export function message(from: string, to: string): fc.Arbitrary<Record<string, unknown>> {
  const fields = fc.record({
      type: fc.constantFrom('requestVote', 'appendEntries', 'heartbeat', 'heartbeatResponse', 'installSnapshot', 'readIndex', 'timeoutNow', 'bogus'),
      from: fc.oneof({ weight: 9, arbitrary: fc.constant(from) }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) }),
      to: fc.oneof({ weight: 9, arbitrary: fc.constant(to) }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) }),
      term: number,
      preVote: fc.boolean(),
      lastLogIndex: number,
      lastLogTerm: number,
      prevLogIndex: number,
      prevLogTerm: number,
      entries: fc.oneof(fc.array(fc.record({ index: number, term: number, type: fc.constantFrom('normal', 'config'), data: fc.uint8Array({ maxLength: 16 }) }), { maxLength: 3 }), anything),
      leaderCommit: number,
      commit: number,
      round: number,
      meta: fc.record({ index: number, term: number, config: fc.record({ voters: fc.array(fc.constantFrom('a', 'm'), { maxLength: 2 }), outgoingVoters: fc.constant([]), learners: fc.constant([]) }) }),
      offset: number,
      data: fc.oneof(fc.uint8Array({ maxLength: 64 }), anything),
      done: fc.boolean(),
      context: fc.string({ maxLength: 8 }),
  });
  // Drop one field now and then, or replace it with any value.
  const change = fc.oneof({ weight: 2, arbitrary: fc.constant('keep' as const) }, { weight: 1, arbitrary: fc.constant('drop' as const) }, { weight: 1, arbitrary: anything });
  return fc.tuple(fields, fc.nat(), change).map(([generated, position, replacement]) => {
    const keys = Object.keys(generated);
    const key = keys[position % keys.length]!;
    const copy: Record<string, unknown> = { ...generated };
    if (replacement === 'drop') delete copy[key];
    else if (replacement !== 'keep') copy[key] = replacement;
    return copy;
  });
}

/** safeEncode encodes a value as msgpack, or gives undefined for a value msgpack cannot hold. */
function safeEncode(value: unknown): Uint8Array | undefined {
  try {
    return encodeValue(value);
  } catch {
    return undefined;
  }
}

/** frameBytes: what a peer could put in one WebSocket message after the handshake. */
export function frameBytes(from: string, to: string): fc.Arbitrary<Uint8Array> {
  const frame = fc.array(message(from, to), { minLength: 1, maxLength: 4 }).map((messages) => encodeFrame(messages.map((one) => encodeValue(one))));
  return fc.oneof(
    { weight: 5, arbitrary: frame },
    // A valid-looking frame, cut short or with bytes flipped.
    {
      weight: 2,
      arbitrary: fc.tuple(frame, fc.nat(), fc.nat({ max: 255 }), fc.boolean()).map(([bytes, position, byte, truncate]) => {
        if (bytes.byteLength === 0) return bytes;
        if (truncate) return bytes.subarray(0, position % bytes.byteLength);
        const copy = bytes.slice();
        copy[position % copy.byteLength] = byte;
        return copy;
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 128 }) },
    { weight: 1, arbitrary: anything.map((value) => safeEncode(value) ?? Uint8Array.of(0xc1)) },
  );
}

/** handshakeBytes: what a stranger could send before the handshake (records of any kind, mangled). */
export const handshakeBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        kind: fc.constantFrom('hello', 'welcome', 'challenge', 'refused', 'other'),
        version: fc.oneof(fc.constant(1), number),
        clusterId: fc.constantFrom('test-cluster', 'other', ''),
        from: fc.constantFrom('a', 'b', 'z', ''),
        to: fc.constantFrom('m', 'a', ''),
        id: fc.constantFrom('m', 'a'),
        nonce: fc.uint8Array({ minLength: 0, maxLength: 40 }),
        proof: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
        reason: fc.string({ maxLength: 10 }),
      })
      .map((record) => safeEncode(record) ?? Uint8Array.of(0xc1)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 128 }) },
  { weight: 1, arbitrary: anything.map((value) => safeEncode(value) ?? Uint8Array.of(0xc1)) },
);

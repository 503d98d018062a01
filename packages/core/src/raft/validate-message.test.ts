import { describe, expect, it } from 'vitest';
import { encodeConfig } from './membership.js';
import type { AppendEntriesMessage, Message } from './types.js';
import { MessageValidationError, validateMessage, type MessageValidationErrorCode } from './validate-message.js';

const config = { voters: ['a', 'b', 'c'], outgoingVoters: [], learners: [] };

const valid: Message[] = [
  { type: 'requestVote', from: 'a', to: 'b', term: 3, preVote: true, lastLogIndex: 9, lastLogTerm: 2 },
  { type: 'requestVote', from: 'a', to: 'b', term: 3, preVote: false, lastLogIndex: 9, lastLogTerm: 2, transfer: true },
  { type: 'requestVoteResponse', from: 'b', to: 'a', term: 3, preVote: false, granted: true },
  {
    type: 'appendEntries',
    from: 'a',
    to: 'b',
    term: 4,
    prevLogIndex: 9,
    prevLogTerm: 3,
    leaderCommit: 8,
    entries: [
      { index: 10, term: 3, type: 'normal', data: new Uint8Array(0) },
      { index: 11, term: 4, type: 'config', data: encodeConfig({ ...config, addresses: { a: 'h:1' } }) },
    ],
  },
  { type: 'appendEntriesResponse', from: 'b', to: 'a', term: 4, success: false, matchIndex: 0, rejectedIndex: 9, conflictIndex: 5, conflictTerm: 2 },
  { type: 'heartbeat', from: 'a', to: 'b', term: 4, commit: 7, round: 12 },
  { type: 'heartbeatResponse', from: 'b', to: 'a', term: 4, round: 12 },
  { type: 'installSnapshot', from: 'a', to: 'b', term: 4, meta: { index: 100, term: 4, config: { ...config, addresses: { a: 'h:1' } } }, offset: 8, data: new Uint8Array(3), done: false },
  { type: 'installSnapshotResponse', from: 'b', to: 'a', term: 4, index: 100, offset: 8, done: false, success: true },
  { type: 'timeoutNow', from: 'a', to: 'b', term: 4 },
  { type: 'readIndex', from: 'b', to: 'a', term: 4, context: 'b:read:1' },
  { type: 'readIndexResponse', from: 'a', to: 'b', term: 4, context: 'b:read:1', index: 9 },
];

const append = valid[3] as AppendEntriesMessage;

function refusal(value: unknown, limits = {}): { code: MessageValidationErrorCode; path: string } {
  try {
    validateMessage(value, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(MessageValidationError);
    const { code, path } = error as MessageValidationError;
    return { code, path };
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('validateMessage', () => {
  it.each(valid.map((message) => [message.type, message] as const))('accepts a well-formed %s and returns an equal copy', (_type, message) => {
    const copy = validateMessage(message);
    expect(copy).toEqual(message);
    expect(copy).not.toBe(message);
  });

  it('drops fields a peer added, so nothing foreign travels on', () => {
    expect(validateMessage({ ...valid[5]!, extra: 'x'.repeat(1000) })).toEqual(valid[5]);
  });

  it('refuses an appendEntries without entries (it stopped a node on main)', () => {
    const { entries: _entries, ...withoutEntries } = append;
    expect(refusal(withoutEntries)).toEqual({ code: 'INVALID_FIELD', path: 'entries' });
  });

  it('refuses a term of 2^53 and of MAX_SAFE_INTEGER (term + 1 would not be exact), and negative or fractional numbers', () => {
    expect(refusal({ ...valid[5]!, term: 2 ** 53 })).toEqual({ code: 'OUT_OF_RANGE', path: 'term' });
    expect(refusal({ ...valid[5]!, term: Number.MAX_SAFE_INTEGER })).toEqual({ code: 'OUT_OF_RANGE', path: 'term' });
    expect(validateMessage({ ...valid[5]!, term: Number.MAX_SAFE_INTEGER - 1 }).term).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(refusal({ ...valid[5]!, commit: -1 })).toEqual({ code: 'OUT_OF_RANGE', path: 'commit' });
    expect(refusal({ ...valid[5]!, round: 1.5 })).toEqual({ code: 'OUT_OF_RANGE', path: 'round' });
    expect(refusal({ ...valid[5]!, round: Number.NaN })).toEqual({ code: 'OUT_OF_RANGE', path: 'round' });
    expect(refusal({ ...valid[5]!, round: '1' })).toEqual({ code: 'INVALID_FIELD', path: 'round' });
  });

  it('refuses values that are not messages, and unknown types', () => {
    for (const value of [null, undefined, 1, 'heartbeat', [], new Uint8Array(2)]) expect(refusal(value).code).toBe('NOT_AN_OBJECT');
    expect(refusal({ ...valid[5]!, type: 'tick' })).toEqual({ code: 'UNKNOWN_TYPE', path: 'type' });
    expect(refusal({ ...valid[5]!, type: 'toString' })).toEqual({ code: 'UNKNOWN_TYPE', path: 'type' });
  });

  it('refuses empty, non-string and over-long ids', () => {
    expect(refusal({ ...valid[5]!, from: '' })).toEqual({ code: 'INVALID_FIELD', path: 'from' });
    expect(refusal({ ...valid[5]!, to: 7 })).toEqual({ code: 'INVALID_FIELD', path: 'to' });
    expect(refusal({ ...valid[5]!, from: 'x'.repeat(257) })).toEqual({ code: 'TOO_LARGE', path: 'from' });
    expect(refusal({ ...valid[5]!, from: 'x'.repeat(11) }, { maxIdLength: 10 })).toEqual({ code: 'TOO_LARGE', path: 'from' });
  });

  it('checks each entry: fields, data as bytes, sequence after prevLogIndex, terms, size limits', () => {
    const entry = append.entries[0]!;
    const withEntries = (entries: unknown[]) => ({ ...append, entries });
    expect(refusal(withEntries([{ ...entry, data: [1, 2] }]))).toEqual({ code: 'INVALID_FIELD', path: 'entries[0].data' });
    expect(refusal(withEntries([{ ...entry, data: 'text' }]))).toEqual({ code: 'INVALID_FIELD', path: 'entries[0].data' });
    expect(refusal(withEntries([{ ...entry, type: 'other' }]))).toEqual({ code: 'INVALID_FIELD', path: 'entries[0].type' });
    expect(refusal(withEntries([null]))).toEqual({ code: 'INVALID_FIELD', path: 'entries[0]' });
    expect(refusal(withEntries([{ ...entry, index: 12 }]))).toEqual({ code: 'INCONSISTENT', path: 'entries[0].index' });
    expect(refusal(withEntries([entry, { ...entry, index: 11, term: 2 }]))).toEqual({ code: 'INCONSISTENT', path: 'entries[1].term' });
    expect(refusal(withEntries([{ ...entry, term: 5 }]))).toEqual({ code: 'INCONSISTENT', path: 'entries[0].term' });
    expect(refusal(withEntries([{ ...entry, type: 'config', data: new Uint8Array([0xff, 0]) }]))).toEqual({ code: 'INVALID_FIELD', path: 'entries[0].data' });
    expect(refusal(withEntries([{ ...entry, type: 'config', data: new TextEncoder().encode('{"voters":[1]}') }]))).toEqual({ code: 'INVALID_FIELD', path: 'entries[0].data.voters[0]' });
    expect(refusal(withEntries([{ ...entry, data: new Uint8Array(11) }]), { maxEntryBytes: 10 })).toEqual({ code: 'TOO_LARGE', path: 'entries[0].data' });
    expect(refusal(withEntries([{ ...entry, data: new Uint8Array(6) }, { ...entry, index: 11, data: new Uint8Array(6) }]), { maxEntryBytes: 10 })).toEqual({ code: 'TOO_LARGE', path: 'entries' });
    expect(refusal(withEntries([entry, { ...entry, index: 11 }]), { maxEntries: 1 })).toEqual({ code: 'TOO_LARGE', path: 'entries' });
    expect(refusal({ ...append, entries: {} })).toEqual({ code: 'INVALID_FIELD', path: 'entries' });
  });

  it('checks a snapshot chunk: meta, its configuration, bytes, and the chunk size limit', () => {
    const chunk = valid[7] as Extract<Message, { type: 'installSnapshot' }>;
    expect(refusal({ ...chunk, meta: undefined })).toEqual({ code: 'INVALID_FIELD', path: 'meta' });
    expect(refusal({ ...chunk, meta: { ...chunk.meta, config: { ...config, voters: 'a' } } })).toEqual({ code: 'INVALID_FIELD', path: 'meta.config.voters' });
    expect(refusal({ ...chunk, meta: { ...chunk.meta, config: { ...config, addresses: { a: 1 } } } })).toEqual({ code: 'INVALID_FIELD', path: 'meta.config.addresses["a"]' });
    expect(refusal({ ...chunk, meta: { ...chunk.meta, term: 5 } })).toEqual({ code: 'INCONSISTENT', path: 'meta.term' });
    expect(refusal({ ...chunk, offset: 2 ** 60 })).toEqual({ code: 'OUT_OF_RANGE', path: 'offset' });
    expect(refusal({ ...chunk, data: new Uint8Array(5) }, { maxChunkBytes: 4 })).toEqual({ code: 'TOO_LARGE', path: 'data' });
  });

  it('keeps a `__proto__` address key an ordinary key', () => {
    const chunk = valid[7] as Extract<Message, { type: 'installSnapshot' }>;
    const addresses = JSON.parse('{"__proto__":"h:2"}') as Record<string, string>;
    const copy = validateMessage({ ...chunk, meta: { ...chunk.meta, config: { ...config, addresses } } }) as typeof chunk;
    expect(Object.getPrototypeOf(copy.meta.config.addresses)).toBe(Object.prototype);
    expect(Object.hasOwn(copy.meta.config.addresses!, '__proto__')).toBe(true);
  });
});

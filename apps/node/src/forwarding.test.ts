import { PeerRequestError } from '@raftkit/transport-ws';
import { describe, expect, it } from 'vitest';
import { forwardFailure, isForwardRequest, resultOf } from './forwarding.js';
import { OperationError } from './operation-error.js';

describe('what a failed forward to the leader means', () => {
  it('a request the leader certainly did not get is NO_LEADER (503): certainly not applied', () => {
    for (const code of ['NOT_CONNECTED', 'NO_HANDLER', 'TOO_LARGE', 'CLOSED'] as const) {
      const failure = forwardFailure(new PeerRequestError(code, false, 'x'), 'n1', 'write');
      expect([failure.code, failure.leader]).toEqual(['NO_LEADER', 'n1']);
    }
  });

  it('a write the leader may have acted on is OUTCOME_UNKNOWN or TIMEOUT (504)', () => {
    expect(forwardFailure(new PeerRequestError('CONNECTION_LOST', true, 'x'), 'n1', 'write').code).toBe('OUTCOME_UNKNOWN');
    expect(forwardFailure(new PeerRequestError('REMOTE_ERROR', true, 'x'), 'n1', 'write').code).toBe('OUTCOME_UNKNOWN');
    expect(forwardFailure(new PeerRequestError('TIMEOUT', true, 'x'), 'n1', 'write').code).toBe('TIMEOUT');
  });

  it('a read changes nothing: a lost answer is NO_LEADER, only a timeout is 504', () => {
    expect(forwardFailure(new PeerRequestError('CONNECTION_LOST', true, 'x'), 'n1', 'read').code).toBe('NO_LEADER');
    expect(forwardFailure(new PeerRequestError('TIMEOUT', true, 'x'), 'n1', 'read').code).toBe('TIMEOUT');
  });

  it("unwraps the leader's answer: a result, its error with the hint, or a malformed answer as a lost one", () => {
    expect(resultOf({ ok: true, result: { index: 7 } }, 'n1', 'write')).toEqual({ index: 7 });
    let thrown: unknown;
    try {
      resultOf({ ok: false, code: 'NO_LEADER', message: 'not me', leader: 'n3' }, 'n1', 'write');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OperationError);
    expect([(thrown as OperationError).code, (thrown as OperationError).leader, (thrown as OperationError).message]).toEqual(['NO_LEADER', 'n3', 'not me']);
    expect(() => resultOf('garbage', 'n1', 'write')).toThrow(expect.objectContaining({ code: 'OUTCOME_UNKNOWN' }));
    expect(() => resultOf(null, 'n1', 'read')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('checks the shape of forwarded requests', () => {
    expect(isForwardRequest({ kind: 'info' })).toBe(true);
    expect(isForwardRequest({ kind: 'read', key: 'a', timeoutMs: 10 })).toBe(true);
    expect(isForwardRequest({ kind: 'read', key: 'a' })).toBe(false);
    expect(isForwardRequest({ kind: 'write', command: { op: 'put' }, dedup: { kind: 'none' }, timeoutMs: 10 })).toBe(true);
    expect(isForwardRequest({ kind: 'write', command: null, dedup: { kind: 'none' }, timeoutMs: 10 })).toBe(false);
    expect(isForwardRequest({ kind: 'launch', timeoutMs: 10 })).toBe(false);
    expect(isForwardRequest('read')).toBe(false);
  });
});

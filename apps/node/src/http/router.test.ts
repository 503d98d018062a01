import { describe, expect, it } from 'vitest';
import { OperationError } from '../operation-error.js';
import { errorResponse } from './response.js';
import { Router } from './router.js';

describe('Router', () => {
  const router = new Router<string>().add('GET', '/v1/kv/:key', 'get').add('POST', '/v1/kv/:key/cas', 'cas').add('GET', '/', 'page');

  it('matches method and path, percent-decoding one segment per parameter', () => {
    expect(router.match('GET', '/v1/kv/a%2Fb')).toEqual({ handler: 'get', params: { key: 'a/b' }, pattern: '/v1/kv/:key', method: 'GET' });
    expect(router.match('POST', '/v1/kv/caf%C3%A9/cas')).toEqual({ handler: 'cas', params: { key: 'café' }, pattern: '/v1/kv/:key/cas', method: 'POST' });
    expect(router.match('GET', '/')).toMatchObject({ handler: 'page' });
    // An empty segment is still a parameter (the route answers 400 for an empty key).
    expect(router.match('GET', '/v1/kv/')).toMatchObject({ handler: 'get', params: { key: '' } });
  });

  it('finds nothing for another method or another shape of path', () => {
    expect(router.match('PUT', '/v1/kv/a/cas')).toBe(undefined);
    expect(router.match('GET', '/v1/kv/a/b')).toBe(undefined);
    expect(router.match('GET', '/v1/kv')).toBe(undefined);
  });

  it('HEAD matches the GET routes (and only those), and is listed wherever GET is', () => {
    expect(router.match('HEAD', '/v1/kv/k')).toEqual({ handler: 'get', params: { key: 'k' }, pattern: '/v1/kv/:key', method: 'GET' });
    expect(router.match('HEAD', '/v1/kv/k/cas')).toBe(undefined);
    expect(router.methodsFor('/v1/kv/k').sort()).toEqual(['GET', 'HEAD']);
    expect(router.methodsFor('/v1/kv/k/cas')).toEqual(['POST']);
  });

  it('refuses malformed percent-encoding with BAD_REQUEST', () => {
    expect(() => router.match('GET', '/v1/kv/%E0%A4%A')).toThrow(OperationError);
    try {
      router.match('GET', '/v1/kv/%zz');
    } catch (error) {
      expect((error as OperationError).code).toBe('BAD_REQUEST');
    }
  });
});

describe('errorResponse', () => {
  it('maps certainly-not-applied to 503 with Retry-After and the leader hint, outcome unknown to 504', () => {
    expect(errorResponse(new OperationError('NO_LEADER', 'no leader', 'n2'))).toEqual({
      status: 503,
      headers: { 'retry-after': '1', 'x-raft-leader': 'n2' },
      body: { error: { code: 'NO_LEADER', message: 'no leader' } },
    });
    expect(errorResponse(new OperationError('SHUTTING_DOWN', 'bye')).status).toBe(503);
    expect(errorResponse(new OperationError('NOT_MEMBER', 'wait')).status).toBe(503);
    expect(errorResponse(new OperationError('OUTCOME_UNKNOWN', '?'))).toEqual({ status: 504, headers: {}, body: { error: { code: 'OUTCOME_UNKNOWN', message: '?' } } });
    expect(errorResponse(new OperationError('TIMEOUT', 'slow')).status).toBe(504);
    expect(errorResponse(new OperationError('IDEMPOTENCY_KEY_REUSED', 'reused')).status).toBe(422);
    expect(errorResponse(new OperationError('TOO_LARGE', 'big')).status).toBe(413);
    expect(errorResponse(new OperationError('BAD_REQUEST', 'bad')).status).toBe(400);
  });
});

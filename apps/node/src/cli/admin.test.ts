import { describe, expect, it } from 'vitest';
import { parseAdmin } from './admin.js';
import { NodeConfigError } from './errors.js';

describe('admin command lines', () => {
  it('turn into the HTTP requests of docs/architecture.md, against --http, RAFTKIT_HTTP or the default', () => {
    expect(parseAdmin('status', [], {})).toEqual({ http: '127.0.0.1:8001', request: { method: 'GET', path: '/v1/status' } });
    expect(parseAdmin('status', [], { RAFTKIT_HTTP: '10.0.0.2:8001' }).http).toBe('10.0.0.2:8001');
    expect(parseAdmin('members', ['list', '--http', 'h:1'], { RAFTKIT_HTTP: 'ignored:2' })).toEqual({ http: 'h:1', request: { method: 'GET', path: '/v1/members' } });
    expect(parseAdmin('members', ['add', 'n4', '--peer-address', '127.0.0.1:7004', '--learner'], {}).request).toEqual({
      method: 'POST',
      path: '/v1/members',
      body: { id: 'n4', peerAddress: '127.0.0.1:7004', learner: true },
    });
    expect(parseAdmin('members', ['remove', 'a/b'], {}).request).toEqual({ method: 'DELETE', path: '/v1/members/a%2Fb' });
    expect(parseAdmin('leader', ['transfer', '--to', 'n2'], {}).request).toEqual({ method: 'POST', path: '/v1/leader/transfer', body: { to: 'n2' } });
    expect(parseAdmin('leader', ['transfer'], {}).request).toEqual({ method: 'POST', path: '/v1/leader/transfer', body: {} });
  });

  it('refuse what they cannot run with a typed error', () => {
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as NodeConfigError).code;
      }
      return undefined;
    };
    expect(codeOf(() => parseAdmin('members', ['add', 'n4'], {}))).toBe('MISSING_VALUE');
    expect(codeOf(() => parseAdmin('members', ['remove'], {}))).toBe('MISSING_VALUE');
    expect(codeOf(() => parseAdmin('members', ['rename'], {}))).toBe('UNKNOWN_COMMAND');
    expect(codeOf(() => parseAdmin('leader', ['elect'], {}))).toBe('UNKNOWN_COMMAND');
    expect(codeOf(() => parseAdmin('status', ['--bogus'], {}))).toBe('UNKNOWN_FLAG');
    expect(codeOf(() => parseAdmin('status', ['extra'], {}))).toBe('UNKNOWN_FLAG');
  });
});

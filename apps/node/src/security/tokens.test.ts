import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authorize, requiredRole } from './authorize.js';
import { allows, createTokenStore, parseTokens, TokensFileError } from './tokens.js';

const READ = 'read-token-0123456789';
const WRITE = 'write-token-0123456789';
const ADMIN = 'admin-token-0123456789';

function tokensFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'raftkit-tokens-')), 'tokens');
  writeFileSync(path, text);
  return path;
}

function codeOf(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('TokenStore', () => {
  it('maps each token to its role; comments and blank lines are skipped', () => {
    const store = createTokenStore(tokensFile(`# who may do what\nread ${READ}\n\nwrite ${WRITE}\r\nadmin   ${ADMIN}\n`));
    expect(store.open).toBe(false);
    expect([store.roleOf(READ), store.roleOf(WRITE), store.roleOf(ADMIN), store.roleOf('nope-0123456789abcdef'), store.roleOf('')]).toEqual(['read', 'write', 'admin', undefined, undefined]);
  });

  it('is open without a file', () => {
    const store = createTokenStore(undefined);
    expect([store.open, store.roleOf(ADMIN)]).toEqual([true, undefined]);
  });

  it('refuses malformed lines without echoing the token', () => {
    for (const text of [`root ${ADMIN}`, `admin`, `admin ${ADMIN} extra`, 'admin short']) {
      let error: unknown;
      try {
        parseTokens(text);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TokensFileError);
      expect((error as Error).message).not.toContain(ADMIN);
    }
  });

  it('reload picks up a rotated file and keeps the old tokens when the new file is malformed', () => {
    const path = tokensFile(`admin ${ADMIN}\n`);
    const store = createTokenStore(path);
    writeFileSync(path, `admin ${WRITE}\n`);
    store.reload();
    expect([store.roleOf(ADMIN), store.roleOf(WRITE)]).toEqual([undefined, 'admin']);
    writeFileSync(path, 'admin\n');
    expect(() => store.reload()).toThrow(TokensFileError);
    expect(store.roleOf(WRITE)).toBe('admin');
  });
});

describe('authorize', () => {
  const store = createTokenStore(tokensFile(`read ${READ}\nwrite ${WRITE}\nadmin ${ADMIN}\n`));

  it('orders the roles read < write < admin', () => {
    expect([allows('read', 'write'), allows('write', 'write'), allows('admin', 'write'), allows('write', 'admin')]).toEqual([false, true, true, false]);
  });

  it('needs admin for membership and transfer, write for writes, read for reads; the status view is open', () => {
    expect(requiredRole('POST', '/v1/members')).toBe('admin');
    expect(requiredRole('DELETE', '/v1/members/:id')).toBe('admin');
    expect(requiredRole('POST', '/v1/leader/transfer')).toBe('admin');
    expect(requiredRole('PUT', '/v1/kv/:key')).toBe('write');
    expect(requiredRole('POST', '/v1/kv/:key/cas')).toBe('write');
    expect(requiredRole('DELETE', '/v1/kv/:key')).toBe('write');
    expect(requiredRole('GET', '/v1/kv/:key')).toBe('read');
    expect(requiredRole('GET', '/metrics')).toBe('read');
    expect(requiredRole('GET', '/v1/status')).toBeUndefined();
    expect(requiredRole('GET', '/')).toBeUndefined();
    // A route nobody classified is closed, not open.
    expect(requiredRole('POST', '/v1/something-new')).toBe('admin');
  });

  it('answers UNAUTHORIZED without a valid token and FORBIDDEN with too little role', () => {
    expect(codeOf(() => authorize(store, undefined, 'read'))).toBe('UNAUTHORIZED');
    expect(codeOf(() => authorize(store, 'unknown-token-0123456789', 'read'))).toBe('UNAUTHORIZED');
    expect(codeOf(() => authorize(store, READ, 'write'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorize(store, WRITE, 'admin'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorize(store, ADMIN, 'admin'))).toBeUndefined();
    expect(codeOf(() => authorize(store, undefined, undefined))).toBeUndefined();
    expect(codeOf(() => authorize(createTokenStore(undefined), undefined, 'admin'))).toBeUndefined();
  });
});

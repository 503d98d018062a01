/**
 * The API's bearer tokens (`--tokens-file`): one `ROLE TOKEN` per line, ROLE one of `read`,
 * `write`, `admin` (each allows what the ones before it allow); blank lines and `#` comments are
 * skipped. The store reads the file at start and again on `reload()` (SIGHUP), so tokens rotate
 * without a restart. A reload that finds a malformed or unreadable file keeps the tokens it had:
 * a typo must neither lock every client out nor open the API.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** ROLES, weakest first: `write` allows what `read` allows, `admin` everything. */
export const ROLES = ['read', 'write', 'admin'] as const;

/** Role is what a token allows. */
export type Role = (typeof ROLES)[number];

/** TokensFileError: the tokens file cannot be read or has a malformed line. */
export class TokensFileError extends Error {
  override readonly name = 'TokensFileError';
  readonly code = 'TOKENS_FILE' as const;
}

/** TokenStore answers which role a bearer token has. */
export interface TokenStore {
  /** True when there is no tokens file: the API is open, every caller acts as `admin`. */
  readonly open: boolean;
  /** roleOf is the token's role; undefined for an unknown token (or any token of an open store). */
  roleOf(token: string): Role | undefined;
  /** reload reads the file again; throws TokensFileError and then keeps the old tokens. */
  reload(): void;
  /** How many tokens the store holds. */
  readonly size: number;
}

/** allows tells whether `role` may do what `needed` guards. */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * parseTokens reads the text of a tokens file into a map from the token's SHA-256 to its role
 * (hashing first makes the lookup take the same time for every token of a length).
 * Throws TokensFileError naming the first bad line (never echoing a token).
 */
export function parseTokens(text: string, source = 'tokens file'): Map<string, Role> {
  const tokens = new Map<string, Role>();
  const lines = text.split(/\r?\n/);
  for (let number = 1; number <= lines.length; number++) {
    const line = lines[number - 1]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const [role, token] = parts;
    if (parts.length !== 2 || role === undefined || token === undefined) throw new TokensFileError(`${source} line ${number}: expected "ROLE TOKEN"`);
    if (!(ROLES as readonly string[]).includes(role)) throw new TokensFileError(`${source} line ${number}: the role must be one of ${ROLES.join(', ')}`);
    if (token.length < 16) throw new TokensFileError(`${source} line ${number}: a token must be at least 16 characters`);
    tokens.set(digest(token), role as Role);
  }
  return tokens;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** createTokenStore reads `path` (undefined: an open store). Throws TokensFileError. */
export function createTokenStore(path: string | undefined): TokenStore {
  if (path === undefined) {
    return { open: true, size: 0, roleOf: () => undefined, reload: () => {} };
  }
  const read = (): Map<string, Role> => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new TokensFileError(`cannot read the tokens file ${path}: ${(error as Error).message}`);
    }
    return parseTokens(text, path);
  };
  let tokens = read();
  return {
    open: false,
    get size() {
      return tokens.size;
    },
    roleOf: (token) => (token === '' ? undefined : tokens.get(digest(token))),
    reload() {
      tokens = read();
    },
  };
}

/**
 * Which role each API route needs, and the check every HTTP request and `/v1/ws` request goes
 * through: 401 without a valid token, 403 with a role too weak. Open (no token needed): the
 * status page `GET /`, `GET /v1/status` (the read-only view harnesses and load balancers poll)
 * and the `/livez` / `/readyz` probes.
 */
import type { IncomingMessage } from 'node:http';
import { OperationError } from '../operation-error.js';
import { allows, type Role, type TokenStore } from './tokens.js';

/** OPEN_ROUTES need no token: `METHOD pattern`. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['GET /', 'GET /v1/status', 'GET /livez', 'GET /readyz']);

/** ADMIN_ROUTES change the cluster: membership, leadership, recovery. */
const ADMIN_PATTERN = /^\/v1\/(members|leader|recover|snapshot)/;

/**
 * requiredRole is the role a route needs (undefined: open). Unknown routes default to `admin`,
 * so a route added later is closed until someone decides otherwise.
 */
export function requiredRole(method: string, pattern: string): Role | undefined {
  if (OPEN_ROUTES.has(`${method} ${pattern}`)) return undefined;
  if (ADMIN_PATTERN.test(pattern)) return method === 'GET' ? 'read' : 'admin';
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (pattern.startsWith('/v1/kv/')) return 'write';
  return 'admin';
}

/** bearerToken reads `Authorization: Bearer TOKEN`; undefined when absent or another scheme. */
export function bearerToken(request: Pick<IncomingMessage, 'headers'>): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

/**
 * authorize checks that `token` may do what `needed` guards. Throws OperationError
 * UNAUTHORIZED (no token, or an unknown one) or FORBIDDEN (a role too weak).
 */
export function authorize(tokens: TokenStore, token: string | undefined, needed: Role | undefined): void {
  if (needed === undefined || tokens.open) return;
  if (token === undefined) throw new OperationError('UNAUTHORIZED', 'this API needs a token: Authorization: Bearer TOKEN');
  const role = tokens.roleOf(token);
  if (role === undefined) throw new OperationError('UNAUTHORIZED', 'unknown token');
  if (!allows(role, needed)) throw new OperationError('FORBIDDEN', `this needs the ${needed} role; the token has ${role}`);
}

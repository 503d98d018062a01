/**
 * The HTTP API (node:http): routes, JSON errors `{"error":{"code","message"}}`, request metrics.
 * The client WebSocket API (`/v1/ws`) shares the server through its `upgrade` event (ws-api.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { OperationError } from '../operation-error.js';
import { authorize, bearerToken, requiredRole } from '../security/authorize.js';
import * as admin from './admin-routes.js';
import * as backup from './backup-routes.js';
import type { HttpContext } from './context.js';
import * as kv from './kv-routes.js';
import * as machine from './machine-routes.js';
import * as probes from './probe-routes.js';
import * as statusPage from './status-page-routes.js';
import { safeHeaders } from './header-value.js';
import { failure, type HttpResponse } from './response.js';
import { Router } from './router.js';

type Handler = (context: HttpContext, request: IncomingMessage, params: Readonly<Record<string, string>>, query: URLSearchParams) => Promise<HttpResponse>;

function createRouter(): Router<Handler> {
  return new Router<Handler>()
    .add('PUT', '/v1/kv/:key', kv.put)
    .add('GET', '/v1/kv/:key', kv.get)
    .add('DELETE', '/v1/kv/:key', kv.remove)
    .add('POST', '/v1/kv/:key/cas', kv.cas)
    .add('POST', '/v1/command', machine.command)
    .add('POST', '/v1/query', machine.query)
    .add('GET', '/v1/status', admin.status)
    .add('GET', '/v1/members', admin.listMembers)
    .add('POST', '/v1/members', admin.addMember)
    .add('DELETE', '/v1/members/:id', admin.removeMember)
    .add('POST', '/v1/members/:id/promote', admin.promoteMember)
    .add('POST', '/v1/leader/transfer', admin.transfer)
    .add('GET', '/v1/snapshot', backup.snapshot)
    .add('GET', '/metrics', admin.metrics)
    .add('GET', '/livez', probes.livez)
    .add('GET', '/readyz', probes.readyz)
    .add('GET', '/v1/cluster', statusPage.cluster)
    .add('GET', '/', statusPage.page);
}

const KNOWN_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH']);

/** Made on first use: waiting-room.ts and this module import each other through operations.ts. */
let apiRoutes: Router<Handler> | undefined;

/**
 * isApiRoute tells whether `method` and the raw `path` name a route of the HTTP API, for servers
 * that answer in the API's place (the waiting room): an unknown route stays a 404 there too.
 * Throws OperationError BAD_REQUEST for a path parameter that is not valid percent-encoding.
 */
export function isApiRoute(method: string, path: string): boolean {
  apiRoutes ??= createRouter();
  return apiRoutes.match(method, path) !== undefined;
}

/** HttpServerOptions bound the listener (`--http-headers-timeout-ms` and the like) and turn on TLS. */
export interface HttpServerOptions {
  /** PEM certificate and key: serve HTTPS (and wss:// for /v1/ws). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** A request whose headers took longer gets 408 (default 10 s). */
  readonly headersTimeoutMs?: number;
  /** A request that took longer as a whole gets 408 (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Open connections at most; more are closed at once (default 1024). */
  readonly maxConnections?: number;
}

/** createHttpServer returns the node's HTTP server, not yet listening. */
export function createHttpServer(context: HttpContext, options: HttpServerOptions = {}): Server {
  const router = createRouter();
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    handle(context, router, request, response).catch((error: unknown) => {
      // Nothing may escape: an answer that cannot be written costs this connection, not the node.
      context.logger.error({ err: error }, 'an answer could not be written');
      response.destroy();
    });
  };
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);
  // Node checks both timeouts every connectionsCheckingInterval (30 s by default): check often
  // enough that a slow client gets its 408 close to the timeout it was given.
  const bounds = { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 2))) };
  const server: Server = options.tls === undefined ? createServer(bounds, onRequest) : (createTlsServer({ ...bounds, cert: options.tls.cert, key: options.tls.key }, onRequest) as unknown as Server);
  server.maxConnections = options.maxConnections ?? 1024;
  // Idle keep-alive sockets must not hold a shutdown back for long.
  server.keepAliveTimeout = 5000;
  return server;
}

async function handle(context: HttpContext, router: Router<Handler>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const started = performance.now();
  const method = request.method ?? 'GET';
  const rawUrl = request.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  const path = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
  let route = 'unknown';
  let answer: HttpResponse;
  try {
    const match = router.match(method, path);
    if (match === undefined) {
      const allowed = router.methodsFor(path);
      if (allowed.length > 0) throw new MethodNotAllowed(method, path, allowed);
      throw new OperationError('NOT_FOUND', `no route ${method} ${path}`);
    }
    route = match.pattern;
    authorize(context.tokens, bearerToken(request), requiredRole(match.method, match.pattern));
    answer = await match.handler(context, request, match.params, query);
  } catch (error) {
    answer = error instanceof MethodNotAllowed ? error.answer() : failure(error);
    if (answer.status >= 500 && answer.status !== 503 && answer.status !== 504) context.logger.error({ err: error, method, path }, 'request failed');
  }
  write(response, request, answer);
  // Label values stay few: the route template, and a method the router knows or "other".
  context.metrics.request(route === 'unknown' && !KNOWN_METHODS.has(method) ? 'other' : method, route, answer.status, (performance.now() - started) / 1000);
}

/** MethodNotAllowed: a known path asked with a method none of its routes serves (405 + Allow). */
class MethodNotAllowed extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly allowed: readonly string[],
  ) {
    super(`${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
  }

  answer(): HttpResponse {
    return { status: 405, headers: { allow: this.allowed.join(', ') }, body: { error: { code: 'METHOD_NOT_ALLOWED', message: this.message } } };
  }
}

function write(response: ServerResponse, request: IncomingMessage, answer: HttpResponse): void {
  if (response.headersSent || response.destroyed) return;
  if (isByteStream(answer.body)) {
    if (request.method === 'HEAD') {
      // Nothing of the stream would be sent: do not produce it (a backup, say), just close it.
      response.writeHead(answer.status, safeHeaders(answer.headers ?? {}));
      response.end();
      void answer.body[Symbol.asyncIterator]().return?.();
      return;
    }
    void stream(response, answer, answer.body);
    return;
  }
  const headers: Record<string, string> = safeHeaders(answer.headers ?? {});
  let body: Uint8Array | string | undefined;
  if (answer.body instanceof Uint8Array || typeof answer.body === 'string') {
    body = answer.body;
  } else if (answer.body !== undefined) {
    body = `${JSON.stringify(answer.body)}\n`;
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  // A body left unread (refused as too large, or never needed) must not be parsed as the next request.
  if (!request.complete) headers['connection'] = 'close';
  headers['content-length'] = String(body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  response.writeHead(answer.status, headers);
  response.end(body);
}

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && !(body instanceof Uint8Array) && Symbol.asyncIterator in body;
}

/**
 * stream writes a body as it is produced (chunked), waiting for the socket to drain. A failure
 * midway destroys the connection: the client sees a cut answer, never a complete-looking one.
 */
async function stream(response: ServerResponse, answer: HttpResponse, body: AsyncIterable<Uint8Array>): Promise<void> {
  response.writeHead(answer.status, safeHeaders(answer.headers ?? {}));
  try {
    for await (const chunk of body) {
      if (response.destroyed) return;
      if (!response.write(chunk)) await new Promise<void>((resolve) => response.once('drain', resolve).once('close', resolve));
    }
    response.end();
  } catch {
    response.destroy();
  }
}

/**
 * The HTTP API (node:http): routes, JSON errors `{"error":{"code","message"}}`, request metrics.
 * The client WebSocket API (`/v1/ws`) shares the server through its `upgrade` event (ws-api.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { OperationError } from '../operation-error.js';
import * as admin from './admin-routes.js';
import type { HttpContext } from './context.js';
import * as kv from './kv-routes.js';
import * as machine from './machine-routes.js';
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
    .add('POST', '/v1/leader/transfer', admin.transfer)
    .add('GET', '/metrics', admin.metrics)
    .add('GET', '/', admin.page);
}

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

/** createHttpServer returns the node's HTTP server, not yet listening. */
export function createHttpServer(context: HttpContext): Server {
  const router = createRouter();
  const server = createServer((request, response) => {
    void handle(context, router, request, response);
  });
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
  let pattern = 'unknown';
  let answer: HttpResponse;
  try {
    const match = router.match(method, path);
    if (match === undefined) throw new OperationError('NOT_FOUND', `no route ${method} ${path}`);
    pattern = `${method} ${match.pattern}`;
    answer = await match.handler(context, request, match.params, query);
  } catch (error) {
    answer = failure(error);
    if (answer.status >= 500 && answer.status !== 503 && answer.status !== 504) context.logger.error({ err: error, method, path }, 'request failed');
  }
  write(response, request, answer);
  context.metrics.request(pattern, answer.status, performance.now() - started);
}

function write(response: ServerResponse, request: IncomingMessage, answer: HttpResponse): void {
  if (response.headersSent || response.destroyed) return;
  const headers: Record<string, string> = { ...answer.headers };
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

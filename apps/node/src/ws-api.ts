/**
 * The client WebSocket API at `/v1/ws`, on the HTTP port: the protocol of `@raftkit/client`
 * (packages/client/src/protocol.ts), one msgpack request per binary frame, answers by `id`, in any
 * order. Writes carry the client's SessionStamp, which goes into the log entry: a command retried
 * with the same stamp, on any node, is applied once and answered with its first result.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  encodeResponse,
  PROTOCOL_VERSION,
  type ClientRequest,
  type ClientResponse,
  type CommandResult,
  type ErrorCode,
  type HelloResult,
  type NodeStatusSummary,
  type QueryResult,
} from '@raftkit/client';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Dedup } from './forwarding.js';
import type { HttpContext } from './http/context.js';
import { safeHeaderValue } from './http/header-value.js';
import { commandProblem } from './kv/kv-state-machine.js';
import { keyProblem } from './kv/keys.js';
import { OperationError, type OperationErrorCode } from './operation-error.js';
import { authorize } from './security/authorize.js';
import type { Role } from './security/tokens.js';
import { decodeClientFrame } from './ws-frame.js';

/** The path of the client WebSocket API. */
export const CLIENT_WS_PATH = '/v1/ws';

/** How long a client should wait before retrying a request the node could not serve now. */
const RETRY_AFTER_MS = 200;

/**
 * Requests one connection may have in flight; past it the node stops reading that socket until
 * answers went out (TCP pushes back on the client), so a client cannot queue work without bound.
 */
export const MAX_IN_FLIGHT_PER_CONNECTION = 256;

/** ClientApiOptions bound the endpoint. */
export interface ClientApiOptions {
  /** Open /v1/ws connections at most; more are refused with 503 (default 1024). */
  readonly maxConnections?: number;
  /** Requests in flight per connection (default MAX_IN_FLIGHT_PER_CONNECTION). */
  readonly maxInFlight?: number;
  /**
   * Answer bytes queued for a connection that does not read them; past it the connection is
   * closed (default 4 × --max-body + 1 MiB, at least 8 MiB).
   */
  readonly maxBufferedBytes?: number;
}

/** Connection is what the node keeps per /v1/ws connection. */
interface Connection {
  readonly ws: ClientSocket;
  /** The token given in `hello`, looked up again for each request (a revoked token stops at once). */
  token: string | undefined;
  inFlight: number;
  paused: boolean;
}

/** ClientApi is the attached /v1/ws endpoint. */
export interface ClientApi {
  /** close closes every client connection (1001, going away). */
  close(): void;
}

/** attachClientApi serves `/v1/ws` on `server`'s upgrade requests. */
export function attachClientApi(server: Server, context: HttpContext, options: ClientApiOptions = {}): ClientApi {
  const maxConnections = options.maxConnections ?? 1024;
  const maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT_PER_CONNECTION;
  const maxBuffered = options.maxBufferedBytes ?? Math.max(8 * 1024 * 1024, 4 * context.maxBodyBytes + 1024 * 1024);
  // Requests carry at most one value of --max-body bytes; room for the envelope on top.
  const wss = new WebSocketServer({ noServer: true, maxPayload: context.maxBodyBytes + 64 * 1024, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '/').split('?')[0];
    if (path !== CLIENT_WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    if (sockets.size >= maxConnections) {
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\nx-raftkit-refused: ${safeHeaderValue('too many connections')}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      const onFrame = createFrameHandler(context, ws, { maxInFlight, maxBufferedBytes: maxBuffered });
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => ws.terminate());
      ws.on('message', (data, isBinary) => void onFrame(bytesOf(data), isBinary));
    });
  });
  return {
    close() {
      for (const ws of sockets) ws.close(1001, 'node shutting down');
      wss.close();
    },
  };
}

/** ClientSocket is what a connection's frame handler needs of its WebSocket (a `ws` WebSocket). */
export type ClientSocket = Pick<WebSocket, 'readyState' | 'OPEN' | 'bufferedAmount' | 'send' | 'close' | 'terminate' | 'pause' | 'resume'>;

/**
 * createFrameHandler serves one connection: each call takes one frame and resolves once it was
 * answered (or refused by closing the socket). It never throws, whatever the bytes.
 */
export function createFrameHandler(context: HttpContext, ws: ClientSocket, limits: { readonly maxInFlight: number; readonly maxBufferedBytes: number }): (bytes: Uint8Array, isBinary: boolean) => Promise<void> {
  const connection: Connection = { ws, token: undefined, inFlight: 0, paused: false };
  return async (bytes, isBinary) => {
    if (!isBinary) {
      ws.close(1003, 'binary msgpack frames only');
      return;
    }
    const decoded = decodeClientFrame(bytes);
    if (!decoded.ok) {
      // Debug only: a client may send garbage as fast as it likes, the log must not grow with it.
      context.logger.debug({ reason: decoded.reason }, 'closed a /v1/ws connection over a malformed frame');
      ws.close(decoded.closeCode, decoded.reason);
      return;
    }
    connection.inFlight++;
    if (connection.inFlight >= limits.maxInFlight && !connection.paused) {
      connection.paused = true;
      ws.pause();
    }
    try {
      await serve(context, connection, decoded.request, limits.maxBufferedBytes);
    } catch (error) {
      // An answer that cannot even be encoded costs this connection, never the node.
      context.logger.error({ err: error }, 'a /v1/ws answer could not be sent');
      ws.terminate();
    } finally {
      connection.inFlight--;
      if (connection.paused && connection.inFlight < limits.maxInFlight / 2 && ws.readyState === ws.OPEN) {
        connection.paused = false;
        ws.resume();
      }
    }
  };
}

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

async function serve(context: HttpContext, connection: Connection, request: ClientRequest, maxBuffered: number): Promise<void> {
  const ws = connection.ws;
  let response: ClientResponse;
  try {
    const result = await run(context, connection, request);
    response = withLeader(context, { id: request.id, ok: true, result });
  } catch (error) {
    const failure = error instanceof OperationError ? error : new OperationError('INTERNAL', error instanceof Error ? error.message : String(error));
    const code = clientCode(failure.code);
    const retry = code === 'NO_LEADER' || code === 'NOT_MEMBER' || code === 'SHUTTING_DOWN';
    response = withLeader(context, { id: request.id, ok: false, error: { code, message: failure.message, ...(retry ? { retryAfterMs: RETRY_AFTER_MS } : {}) } });
  }
  if (ws.readyState !== ws.OPEN) return;
  // A client that sends but does not read would make the node hold every answer: cut it off.
  if (ws.bufferedAmount > maxBuffered) {
    context.logger.warn({ buffered: ws.bufferedAmount }, 'closed a /v1/ws client that does not read its answers');
    ws.terminate();
    return;
  }
  ws.send(encodeResponse(response), { binary: true });
}

function withLeader(context: HttpContext, response: ClientResponse): ClientResponse {
  const leader = context.operations.leaderInfo();
  return leader === undefined ? response : { ...response, leader };
}

async function run(context: HttpContext, connection: Connection, request: ClientRequest): Promise<CommandResult | QueryResult | NodeStatusSummary | HelloResult> {
  switch (request.type) {
    case 'hello': {
      const token = (request as { token?: unknown }).token;
      if (typeof token === 'string' && !context.tokens.open) {
        // A bad token is refused here and then on every request of the connection.
        connection.token = token;
        if (context.tokens.roleOf(token) === undefined) throw new OperationError('UNAUTHORIZED', 'unknown token');
      }
      return { protocolVersion: PROTOCOL_VERSION, nodeId: context.id };
    }
    case 'status':
      return context.status();
    case 'query': {
      authorizeConnection(context, connection, 'read');
      // A --machine node answers the hosted machine's queries as { result, index } (a map, as every answer).
      if (context.operations.hostsMachine) return (await context.operations.machineQuery(request.query, request.stale === true)) as unknown as QueryResult;
      const query = request.query as unknown as Record<string, unknown> | undefined;
      if (typeof query !== 'object' || query === null || query['op'] !== 'get') throw new OperationError('BAD_REQUEST', 'a query is { op: "get", key }');
      const problem = keyProblem(query['key']);
      if (problem !== undefined) throw new OperationError('BAD_REQUEST', problem);
      return context.operations.read(query['key'] as string, request.stale === true);
    }
    case 'command': {
      authorizeConnection(context, connection, 'write');
      if (context.operations.hostsMachine) return (await context.operations.machineCommand(request.command, sessionOf(request.session))) as unknown as CommandResult;
      const problem = commandProblem(request.command);
      if (problem !== undefined) throw new OperationError('BAD_REQUEST', problem);
      if (request.command.op === 'put' && request.command.value.byteLength > context.maxBodyBytes) {
        throw new OperationError('TOO_LARGE', `the value is over the limit of ${context.maxBodyBytes} bytes (--max-body)`);
      }
      const result = await context.operations.write(request.command, sessionOf(request.session));
      return result.cas === undefined ? { index: result.index } : { index: result.index, cas: result.cas };
    }
    default:
      throw new OperationError('BAD_REQUEST', `unknown request type ${JSON.stringify((request as { type?: unknown }).type)}`);
  }
}

/** sessionOf checks a command's SessionStamp. */
function sessionOf(session: unknown): Dedup {
  const stamp = session as Record<string, unknown> | undefined;
  const clientId = stamp?.['clientId'];
  const sequence = stamp?.['sequence'];
  if (typeof clientId !== 'string' || clientId === '' || typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) {
    throw new OperationError('BAD_REQUEST', 'a command needs a session { clientId, sequence >= 1 }');
  }
  return { kind: 'session', clientId, sequence };
}

/** authorizeConnection checks the connection's `hello` token allows `needed` (throws UNAUTHORIZED / FORBIDDEN). */
function authorizeConnection(context: HttpContext, connection: Connection, needed: Role): void {
  if (!context.tokens.open && connection.token === undefined) throw new OperationError('UNAUTHORIZED', 'this node needs a token: send it in hello');
  authorize(context.tokens, connection.token, needed);
}

/** clientCode maps the node's codes onto the client protocol's (HTTP-only codes have no twin). */
function clientCode(code: OperationErrorCode): ErrorCode {
  switch (code) {
    case 'KEY_NOT_FOUND':
    case 'NOT_FOUND':
    case 'CONFLICT':
    case 'NOT_IMPLEMENTED':
      return 'BAD_REQUEST';
    default:
      return code;
  }
}

/**
 * The client WebSocket API at `/v1/ws`, on the HTTP port: the protocol of `@raftkit/client`
 * (packages/client/src/protocol.ts), one msgpack request per binary frame, answers by `id`, in any
 * order. Writes carry the client's SessionStamp, which goes into the log entry: a command retried
 * with the same stamp, on any node, is applied once and answered with its first result.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  decodeValue,
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
import { commandProblem } from './kv/kv-state-machine.js';
import { keyProblem } from './kv/keys.js';
import { OperationError, type OperationErrorCode } from './operation-error.js';

/** The path of the client WebSocket API. */
export const CLIENT_WS_PATH = '/v1/ws';

/** How long a client should wait before retrying a request the node could not serve now. */
const RETRY_AFTER_MS = 200;

/** ClientApi is the attached /v1/ws endpoint. */
export interface ClientApi {
  /** close closes every client connection (1001, going away). */
  close(): void;
}

/** attachClientApi serves `/v1/ws` on `server`'s upgrade requests. */
export function attachClientApi(server: Server, context: HttpContext): ClientApi {
  // Requests carry at most one value of --max-body bytes; room for the envelope on top.
  const wss = new WebSocketServer({ noServer: true, maxPayload: context.maxBodyBytes + 64 * 1024, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== CLIENT_WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => ws.terminate());
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          ws.close(1003, 'binary msgpack frames only');
          return;
        }
        void serve(context, ws, bytesOf(data));
      });
    });
  });
  return {
    close() {
      for (const ws of sockets) ws.close(1001, 'node shutting down');
      wss.close();
    },
  };
}

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

async function serve(context: HttpContext, ws: WebSocket, bytes: Uint8Array): Promise<void> {
  let request: ClientRequest;
  try {
    request = decodeValue(bytes) as ClientRequest;
  } catch {
    ws.close(1007, 'not msgpack');
    return;
  }
  if (typeof request !== 'object' || request === null || typeof request.id !== 'number' || !Number.isSafeInteger(request.id)) {
    ws.close(1007, 'a request needs an integer id');
    return;
  }
  let response: ClientResponse;
  try {
    const result = await run(context, request);
    response = withLeader(context, { id: request.id, ok: true, result });
  } catch (error) {
    const failure = error instanceof OperationError ? error : new OperationError('INTERNAL', error instanceof Error ? error.message : String(error));
    const code = clientCode(failure.code);
    const retry = code === 'NO_LEADER' || code === 'NOT_MEMBER' || code === 'SHUTTING_DOWN';
    response = withLeader(context, { id: request.id, ok: false, error: { code, message: failure.message, ...(retry ? { retryAfterMs: RETRY_AFTER_MS } : {}) } });
  }
  if (ws.readyState === ws.OPEN) ws.send(encodeResponse(response), { binary: true });
}

function withLeader(context: HttpContext, response: ClientResponse): ClientResponse {
  const leader = context.operations.leaderInfo();
  return leader === undefined ? response : { ...response, leader };
}

async function run(context: HttpContext, request: ClientRequest): Promise<CommandResult | QueryResult | NodeStatusSummary | HelloResult> {
  switch (request.type) {
    case 'hello':
      return { protocolVersion: PROTOCOL_VERSION, nodeId: context.id };
    case 'status':
      return context.status();
    case 'query': {
      // A --machine node answers the hosted machine's queries as { result, index } (a map, as every answer).
      if (context.operations.hostsMachine) return (await context.operations.machineQuery(request.query, request.stale === true)) as unknown as QueryResult;
      const query = request.query as unknown as Record<string, unknown> | undefined;
      if (typeof query !== 'object' || query === null || query['op'] !== 'get') throw new OperationError('BAD_REQUEST', 'a query is { op: "get", key }');
      const problem = keyProblem(query['key']);
      if (problem !== undefined) throw new OperationError('BAD_REQUEST', problem);
      return context.operations.read(query['key'] as string, request.stale === true);
    }
    case 'command': {
      if (context.operations.hostsMachine) return (await context.operations.machineCommand(request.command, sessionOf(request.session))) as unknown as CommandResult;
      const problem = commandProblem(request.command);
      if (problem !== undefined) throw new OperationError('BAD_REQUEST', problem);
      if (request.command.op === 'put' && request.command.value.byteLength > context.maxBodyBytes) {
        throw new OperationError('TOO_LARGE', `the value is over the limit of ${context.maxBodyBytes} bytes (--max-body)`);
      }
      const session = request.session as unknown as Record<string, unknown> | undefined;
      const clientId = session?.['clientId'];
      const sequence = session?.['sequence'];
      if (typeof clientId !== 'string' || clientId === '' || typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) {
        throw new OperationError('BAD_REQUEST', 'a command needs a session { clientId, sequence >= 1 }');
      }
      const result = await context.operations.write(request.command, { kind: 'session', clientId, sequence });
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

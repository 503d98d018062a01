/**
 * The routes of a node hosting a `--machine` state machine: `POST /v1/command` and
 * `POST /v1/query`, JSON bodies. On a KV node both answer 501 NOT_IMPLEMENTED (and the KV routes
 * answer 501 on a `--machine` node).
 *
 *   POST /v1/command {"command": <JSON>}              → 200 {"result": <JSON>, "index": n}
 *   POST /v1/query   {"query": <JSON>, "stale": bool} → 200 {"result": <JSON>, "index": n}
 *
 * A command accepts `Idempotency-Key` as KV writes do: applied once, a retry answered with the
 * first answer, the same key with another command 422. A command the machine refuses (its `apply`
 * threw) is 400 with the thrown message; it went through the log and changed nothing.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Dedup } from '../forwarding.js';
import { OperationError } from '../operation-error.js';
import { readJson } from './body.js';
import type { HttpContext } from './context.js';
import { json, type HttpResponse } from './response.js';

/** MachineRouteHandler is one machine route. */
export type MachineRouteHandler = (context: HttpContext, request: IncomingMessage) => Promise<HttpResponse>;

/** dedupOf reads `Idempotency-Key`; the digest covers the command's canonical JSON. */
function dedupOf(request: IncomingMessage, command: unknown): Dedup {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined) return { kind: 'none' };
  if (key === '' || key.length > 256) throw new OperationError('BAD_REQUEST', 'Idempotency-Key must be 1–256 characters');
  const requestHash = createHash('sha256').update(`POST\n/v1/command\n`).update(canonicalJson(command)).digest('hex');
  return { kind: 'key', key, requestHash };
}

/** canonicalJson writes objects with sorted keys, so reordered JSON is the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** command applies `body.command` to the hosted machine. */
export const command: MachineRouteHandler = async (context, request) => {
  const body = await readJson(request, context.maxBodyBytes);
  if (!('command' in body)) throw new OperationError('BAD_REQUEST', 'the body must be {"command": ...}');
  const answer = await context.operations.machineCommand(body['command'], dedupOf(request, body['command']));
  return json(200, { result: answer.result, index: answer.index });
};

/** query answers `body.query` from the hosted machine: linearizable unless `"stale": true`. */
export const query: MachineRouteHandler = async (context, request) => {
  const body = await readJson(request, context.maxBodyBytes);
  if (!('query' in body)) throw new OperationError('BAD_REQUEST', 'the body must be {"query": ..., "stale"?: boolean}');
  const stale = body['stale'];
  if (stale !== undefined && typeof stale !== 'boolean') throw new OperationError('BAD_REQUEST', '"stale" must be a boolean');
  const answer = await context.operations.machineQuery(body['query'], stale === true);
  return json(200, { result: answer.result, index: answer.index });
};

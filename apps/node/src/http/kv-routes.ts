/**
 * The key-value routes: PUT / GET / DELETE `/v1/kv/:key` and POST `/v1/kv/:key/cas`.
 *
 * Writes accept `Idempotency-Key`: the key and a digest of the request travel in the log entry,
 * so a retry is answered with the first answer from the replicated session table and applied
 * once, on whichever node it arrives; the same key with another request is 422.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { KvCommand } from '@raftkit/client';
import type { Dedup } from '../forwarding.js';
import { keyProblem } from '../kv/keys.js';
import type { KvWriteResult } from '../kv/kv-state-machine.js';
import { OperationError } from '../operation-error.js';
import { readBody, readJson } from './body.js';
import type { HttpContext } from './context.js';
import { json, type HttpResponse } from './response.js';

/** KvRouteHandler is one KV route. */
export type KvRouteHandler = (context: HttpContext, request: IncomingMessage, params: Readonly<Record<string, string>>, query: URLSearchParams) => Promise<HttpResponse>;

const encoder = new TextEncoder();

function checkedKey(params: Readonly<Record<string, string>>): string {
  const key = params['key'] ?? '';
  const problem = keyProblem(key);
  if (problem !== undefined) throw new OperationError('BAD_REQUEST', problem);
  return key;
}

/** dedupOf reads `Idempotency-Key` and digests the request it comes with. */
function dedupOf(request: IncomingMessage, key: string, body: Uint8Array): Dedup {
  const header = request.headers['idempotency-key'];
  const idempotencyKey = Array.isArray(header) ? header[0] : header;
  if (idempotencyKey === undefined) return { kind: 'none' };
  if (idempotencyKey === '' || idempotencyKey.length > 256) throw new OperationError('BAD_REQUEST', 'Idempotency-Key must be 1–256 characters');
  const requestHash = createHash('sha256')
    .update(`${request.method ?? ''}\n${key}\n`)
    .update(body)
    .digest('hex');
  return { kind: 'key', key: idempotencyKey, requestHash };
}

/** put stores the body bytes as the value. */
export const put: KvRouteHandler = async (context, request, params) => {
  const key = checkedKey(params);
  const value = await readBody(request, context.maxBodyBytes);
  const command: KvCommand = { op: 'put', key, value };
  const result = await context.operations.write(command, dedupOf(request, key, value));
  return json(200, { index: result.index });
};

/** remove deletes the key (200 also when it was absent). */
export const remove: KvRouteHandler = async (context, request, params) => {
  const key = checkedKey(params);
  // A DELETE has no meaningful body, but one over the limit is still refused.
  await readBody(request, context.maxBodyBytes);
  const result = await context.operations.write({ op: 'delete', key }, dedupOf(request, key, new Uint8Array(0)));
  return json(200, { index: result.index });
};

/** cas compares and sets UTF-8 values; decided inside apply. */
export const cas: KvRouteHandler = async (context, request, params) => {
  const key = checkedKey(params);
  const body = await readJson(request, context.maxBodyBytes);
  const expect = body['expect'];
  const value = body['value'];
  if (expect !== null && typeof expect !== 'string') throw new OperationError('BAD_REQUEST', '"expect" must be a string or null');
  if (typeof value !== 'string') throw new OperationError('BAD_REQUEST', '"value" must be a string');
  // The digest covers what the command does, so the same CAS sent with reordered JSON is the same request.
  const canonical = encoder.encode(JSON.stringify([expect, value]));
  const result: KvWriteResult = await context.operations.write({ op: 'cas', key, expect, value }, dedupOf(request, key, canonical));
  const outcome = result.cas ?? { ok: false, current: null };
  return outcome.ok ? json(200, { ok: true, index: result.index }) : json(409, { ok: false, current: outcome.current, index: result.index });
};

/** get answers the value bytes, linearizable unless `?stale=true`. */
export const get: KvRouteHandler = async (context, _request, params, query) => {
  const key = checkedKey(params);
  const stale = query.get('stale') === 'true' || query.get('stale') === '1';
  const result = await context.operations.read(key, stale);
  const headers = { 'x-raft-index': String(result.index) };
  if (result.value === null) return json(404, { error: { code: 'KEY_NOT_FOUND', message: `no key ${JSON.stringify(key)}` } }, headers);
  return { status: 200, headers: { ...headers, 'content-type': 'application/octet-stream' }, body: result.value };
};

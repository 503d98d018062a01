/**
 * Status, membership and leadership routes, plus `/metrics` and the status page.
 */
import { nodeIdProblem } from '../cli/node-id.js';
import type { IncomingMessage } from 'node:http';
import { parseAddress, formatAddress } from '../cli/address.js';
import { parsePeerAddress } from '../cli/peer-address.js';
import { OperationError } from '../operation-error.js';
import { readBody, readJson } from './body.js';
import type { HttpContext } from './context.js';
import { json, type HttpResponse } from './response.js';

/** AdminRouteHandler is one admin route. */
export type AdminRouteHandler = (context: HttpContext, request: IncomingMessage, params: Readonly<Record<string, string>>) => Promise<HttpResponse>;

/** status is always answered locally. */
export const status: AdminRouteHandler = async (context, request) => {
  await readBody(request, context.maxBodyBytes);
  return json(200, context.status());
};

/** listMembers is the configuration with every member's addresses (HTTP addresses asked of members not known yet). */
export const listMembers: AdminRouteHandler = async (context, request) => {
  await readBody(request, context.maxBodyBytes);
  // A member just added may not be connected yet: ask again a moment later, a few times.
  for (let attempt = 0; ; attempt++) {
    const members = context.members();
    const unknown = [...members.voters, ...members.outgoing, ...members.learners].filter((id) => members.httpAddresses[id] === undefined);
    if (unknown.length === 0 || attempt === 3) return json(200, members);
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    await Promise.all(unknown.map((id) => context.operations.learnHttpAddress(id)));
  }
};

/** promoteMember makes a learner a voter once it has caught up (a voter already is one: 200). */
export const promoteMember: AdminRouteHandler = async (context, request, params) => {
  await readBody(request, context.maxBodyBytes);
  const id = params['id'] ?? '';
  const members = context.members();
  const peerAddress = members.peerAddresses[id];
  if (!members.voters.includes(id) && !members.learners.includes(id)) throw new OperationError('NOT_FOUND', `${JSON.stringify(id)} is not a member`);
  if (peerAddress === undefined) throw new OperationError('CONFLICT', `the configuration holds no peer address for ${id}`);
  const result = await context.operations.addMember({ id, peerAddress, learner: false });
  return json(200, { id, role: result.role, index: result.index });
};

/** addMember adds a learner and promotes it unless `learner` is true. */
export const addMember: AdminRouteHandler = async (context, request) => {
  const body = await readJson(request, context.maxBodyBytes);
  const id = body['id'];
  const peerAddress = body['peerAddress'];
  const learner = body['learner'] ?? false;
  const httpAddress = body['httpAddress'];
  if (typeof id !== 'string' || id.trim() === '') throw new OperationError('BAD_REQUEST', '"id" must be a non-empty string');
  const idProblem = nodeIdProblem(id);
  if (idProblem !== undefined) throw new OperationError('BAD_REQUEST', `"id": ${idProblem}`);
  if (typeof peerAddress !== 'string') throw new OperationError('BAD_REQUEST', '"peerAddress" must be host:port or a ws:// or wss:// URL');
  if (typeof learner !== 'boolean') throw new OperationError('BAD_REQUEST', '"learner" must be a boolean');
  if (httpAddress !== undefined && typeof httpAddress !== 'string') throw new OperationError('BAD_REQUEST', '"httpAddress" must be host:port');
  const address = (text: string, what: string) => {
    try {
      return formatAddress(parseAddress(text, what));
    } catch (error) {
      throw new OperationError('BAD_REQUEST', (error as Error).message);
    }
  };
  let peer: string;
  try {
    // A peer address may be a ws:// or wss:// URL (peer mutual TLS), as in --cluster.
    peer = parsePeerAddress(peerAddress, 'peerAddress');
  } catch (error) {
    throw new OperationError('BAD_REQUEST', (error as Error).message);
  }
  const result = await context.operations.addMember({
    id,
    peerAddress: peer,
    learner,
    ...(typeof httpAddress === 'string' ? { httpAddress: address(httpAddress, 'httpAddress') } : {}),
  });
  return json(200, { id, role: result.role, index: result.index });
};

/** removeMember removes a voter or learner; removing the leader is allowed. */
export const removeMember: AdminRouteHandler = async (context, request, params) => {
  await readBody(request, context.maxBodyBytes);
  const id = params['id'] ?? '';
  if (id === '') throw new OperationError('BAD_REQUEST', 'the member id is empty');
  const result = await context.operations.removeMember(id);
  return json(200, { id, index: result.index });
};

/** transfer hands leadership to `to`, or to the most up-to-date voter. */
export const transfer: AdminRouteHandler = async (context, request) => {
  const bytes = await readBody(request, context.maxBodyBytes);
  let to: string | undefined;
  if (bytes.byteLength > 0) {
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new OperationError('BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new OperationError('BAD_REQUEST', 'the body must be a JSON object');
    const target = (body as Record<string, unknown>)['to'];
    if (target !== undefined && target !== null && typeof target !== 'string') throw new OperationError('BAD_REQUEST', '"to" must be a node id');
    to = typeof target === 'string' ? target : undefined;
  }
  return json(200, await context.operations.transfer(to));
};

/** metrics answers the Prometheus text format. */
export const metrics: AdminRouteHandler = async (context, request) => {
  await readBody(request, context.maxBodyBytes);
  return { status: 200, headers: { 'content-type': context.metrics.contentType }, body: await context.metrics.render() };
};

/**
 * The waiting room: a node started with neither `--cluster` nor `--join` on an empty data
 * directory is a non-member that belongs to no cluster yet (docs/architecture.md). Until a leader admits it,
 * it runs no Raft node; it answers
 *
 *   on --http-listen:  GET /v1/status → role "non-member"; any other API route 503 NOT_MEMBER;
 *                      an unknown route 404 NOT_FOUND, as on a member
 *   on --peer-listen:  POST /raftkit/admit { clusterId, nodeId, peers, proof }
 *
 * An operator adds it with `POST /v1/members` on any member; the leader first admits it here
 * (telling it the cluster id and the members' peer addresses, proven with the shared secret when
 * there is one), then adds it as a learner. Admitted, the node writes its identity file and the
 * caller starts it as a member: from then on the peer port is the Raft transport's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { StartOptions } from './cli/start-options.js';
import { writeIdentity } from './cluster-identity.js';
import { readJson } from './http/body.js';
import { isApiRoute } from './http/server.js';
import { baseUrl, requestJson } from './http-client.js';

/** ADMIT_PATH is where a waiting node takes its admission, on its peer port. */
export const ADMIT_PATH = '/raftkit/admit';

/** Admission is what a leader tells a waiting node. */
export interface Admission {
  readonly clusterId: string;
  readonly nodeId: string;
  /** Peer addresses of the cluster's members, by id. */
  readonly peers: Readonly<Record<string, string>>;
  /** HMAC-SHA256 of the other fields with the shared secret (hex); empty without a secret. */
  readonly proof: string;
}

/** admissionProof signs an admission with the cluster's shared secret. */
export function admissionProof(secret: string | undefined, clusterId: string, nodeId: string, peers: Readonly<Record<string, string>>): string {
  if (secret === undefined) return '';
  const sorted = Object.entries(peers).sort(([left], [right]) => (left < right ? -1 : 1));
  return createHmac('sha256', secret).update(JSON.stringify(['raftkit-admit', clusterId, nodeId, sorted])).digest('hex');
}

/**
 * admit is the leader's side: it tells the node at `peerAddress` which cluster it joins. It never
 * throws: a node that is not waiting (started with --join, or already admitted) just does not
 * answer 200, and the membership change goes ahead as it would anyway.
 */
export async function admit(peerAddress: string, admission: Omit<Admission, 'proof'>, secret: string | undefined, logger: Logger): Promise<void> {
  const body: Admission = { ...admission, proof: admissionProof(secret, admission.clusterId, admission.nodeId, admission.peers) };
  try {
    const answer = await requestJson('POST', `${baseUrl(peerAddress)}${ADMIT_PATH}`, body, 2000);
    logger.info({ node: admission.nodeId, status: answer.status }, answer.status === 200 ? 'admitted a waiting node' : 'the new member was not waiting for admission');
  } catch (error) {
    logger.debug({ err: error, node: admission.nodeId }, 'no waiting node at the new member\'s peer address');
  }
}

/**
 * waitForAdmission serves the waiting room until a valid admission arrives (then it writes the
 * identity file and resolves with it) or `signal` aborts (undefined).
 */
export async function waitForAdmission(options: StartOptions, logger: Logger, signal: AbortSignal): Promise<Admission | undefined> {
  let admitted: (admission: Admission | undefined) => void = () => {};
  const done = new Promise<Admission | undefined>((resolve) => (admitted = resolve));

  const httpServer = createServer((request, response) => {
    request.resume();
    const method = request.method ?? 'GET';
    const path = (request.url ?? '/').split('?')[0]!;
    if (method === 'GET' && path === '/v1/status') {
      send(response, 200, {
        id: options.id,
        role: 'non-member',
        term: 0,
        leader: null,
        commitIndex: 0,
        appliedIndex: 0,
        lastLogIndex: 0,
        snapshotIndex: 0,
        members: { voters: [], learners: [], outgoing: [] },
        unresponsive: [],
      });
      return;
    }
    let known: boolean;
    try {
      known = isApiRoute(method, path);
    } catch (error) {
      send(response, 400, { error: { code: 'BAD_REQUEST', message: error instanceof Error ? error.message : String(error) } });
      return;
    }
    if (!known) {
      send(response, 404, { error: { code: 'NOT_FOUND', message: `no route ${method} ${path}` } });
      return;
    }
    response.setHeader('retry-after', '5');
    send(response, 503, { error: { code: 'NOT_MEMBER', message: `${options.id} is waiting to be added to a cluster (POST /v1/members on a member)` } });
  });
  const peerServer = createServer((request, response) => {
    void onAdmit(request, response);
  });
  const onAdmit = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST' || request.url !== ADMIT_PATH) {
      request.resume();
      send(response, 404, { error: { code: 'NOT_FOUND', message: 'waiting for admission' } });
      return;
    }
    let admission: Admission;
    try {
      admission = (await readJson(request, 64 * 1024)) as unknown as Admission;
    } catch {
      send(response, 400, { error: { code: 'BAD_REQUEST', message: 'malformed admission' } });
      return;
    }
    const problem = checkAdmission(admission, options);
    if (problem !== undefined) {
      logger.warn({ problem }, 'refused an admission');
      send(response, 403, { error: { code: 'FORBIDDEN', message: problem } });
      return;
    }
    mkdirSync(options.dataDir, { recursive: true });
    writeIdentity(options.dataDir, { nodeId: options.id, clusterId: admission.clusterId, peers: { ...admission.peers } });
    send(response, 200, { admitted: true });
    logger.info({ clusterId: admission.clusterId }, 'admitted to a cluster');
    admitted(admission);
  };

  await Promise.all([listen(httpServer, options.httpListen.host, options.httpListen.port), listen(peerServer, options.peerListen.host, options.peerListen.port)]);
  logger.info({ http: `${options.httpListen.host}:${options.httpListen.port}`, peer: `${options.peerListen.host}:${options.peerListen.port}` }, 'waiting as a non-member to be added (POST /v1/members on a member)');
  signal.addEventListener('abort', () => admitted(undefined), { once: true });
  const admission = await done;
  await Promise.all([close(httpServer), close(peerServer)]);
  return admission;
}

function checkAdmission(admission: Admission, options: StartOptions): string | undefined {
  if (typeof admission.clusterId !== 'string' || admission.clusterId === '') return 'no cluster id';
  if (admission.nodeId !== options.id) return `the admission is for ${String(admission.nodeId)}, this node is ${options.id}`;
  if (typeof admission.peers !== 'object' || admission.peers === null || Object.values(admission.peers).some((address) => typeof address !== 'string')) return 'malformed peers';
  const expected = admissionProof(options.secret, admission.clusterId, admission.nodeId, admission.peers);
  const proof = typeof admission.proof === 'string' ? admission.proof : '';
  if (expected.length !== proof.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(proof))) return 'wrong proof (another secret?)';
  return undefined;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), connection: 'close' });
  response.end(text);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

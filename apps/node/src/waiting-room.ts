/**
 * The waiting room: a node started with neither `--cluster` nor `--join` on an empty data
 * directory is a non-member that belongs to no cluster yet (docs/architecture.md). Until a leader admits it,
 * it runs no Raft node; it answers
 *
 *   on --http-listen:  GET /v1/status → role "non-member"; any other API route 503 NOT_MEMBER;
 *                      an unknown route 404 NOT_FOUND, as on a member
 *   on --peer-listen:  POST /raftkit/admit/challenge { nodeId, leaderNonce } → { challenge, proof }
 *                      POST /raftkit/admit { clusterId, nodeId, peers, challenge, proof }
 *
 * An operator adds it with `POST /v1/members` on any member; the leader first admits it here
 * (telling it the cluster id and the members' peer addresses), then adds it as a learner. Both
 * sides prove the shared secret over fresh nonces, the waiting node first
 * (security/admission-proof.ts). Admitted, the node writes its identity file and the
 * caller starts it as a member: from then on the peer port is the Raft transport's.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Logger } from 'pino';
import type { StartOptions } from './cli/start-options.js';
import { writeIdentity } from './cluster-identity.js';
import { readJson } from './http/body.js';
import { isApiRoute } from './http/server.js';
import { baseUrl, requestJson } from './http-client.js';
import { admissionProof, challengeProof, Challenges, newNonce, proofMatches } from './security/admission-proof.js';

/** ADMIT_PATH is where a waiting node takes its admission, on its peer port. */
export const ADMIT_PATH = '/raftkit/admit';

/** CHALLENGE_PATH is where a leader asks a waiting node to prove the secret and for a nonce. */
export const CHALLENGE_PATH = '/raftkit/admit/challenge';

/** Admission is what a leader tells a waiting node. */
export interface Admission {
  readonly clusterId: string;
  readonly nodeId: string;
  /** Peer addresses of the cluster's members, by id. */
  readonly peers: Readonly<Record<string, string>>;
  /** The waiting node's nonce this admission answers (from CHALLENGE_PATH). */
  readonly challenge: string;
  /** HMAC-SHA256 over the challenge and the other fields with the shared secret (hex). */
  readonly proof: string;
}

/**
 * admit is the leader's side: it asks the node at `peerAddress` to prove the secret over a fresh
 * nonce, and only if it does, tells it which cluster it joins. It never throws: a node that is
 * not waiting (started with --join, or already admitted) or fails the proof gets nothing signed,
 * and the membership change goes ahead as it would anyway.
 */
export async function admit(peerAddress: string, admission: Omit<Admission, 'proof' | 'challenge'>, secret: string | undefined, logger: Logger): Promise<void> {
  try {
    const leaderNonce = newNonce();
    const asked = await requestJson('POST', `${baseUrl(peerAddress)}${CHALLENGE_PATH}`, { nodeId: admission.nodeId, leaderNonce }, 2000);
    const answer = asked.body as { challenge?: unknown; proof?: unknown } | null;
    if (asked.status !== 200 || typeof answer?.challenge !== 'string' || answer.challenge.length !== leaderNonce.length) {
      logger.info({ node: admission.nodeId, status: asked.status }, 'the new member was not waiting for admission');
      return;
    }
    if (!proofMatches(challengeProof(secret, admission.nodeId, leaderNonce, answer.challenge), answer.proof)) {
      logger.warn({ node: admission.nodeId, peerAddress }, 'the node at the new member\'s peer address does not know the peer secret: not admitted');
      return;
    }
    const body: Admission = { ...admission, challenge: answer.challenge, proof: admissionProof(secret, answer.challenge, admission.clusterId, admission.nodeId, admission.peers) };
    const sent = await requestJson('POST', `${baseUrl(peerAddress)}${ADMIT_PATH}`, body, 2000);
    logger.info({ node: admission.nodeId, status: sent.status }, sent.status === 200 ? 'admitted a waiting node' : 'the waiting node refused its admission');
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

  const httpServer = boundedServer(options, options.tls, (request, response) => {
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
  const peerServer = boundedServer(options, undefined, (request, response) => {
    void onAdmit(request, response);
  });
  const challenges = new Challenges();
  const onAdmit = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method === 'POST' && request.url === CHALLENGE_PATH) {
      let asked: Record<string, unknown>;
      try {
        asked = (await readJson(request, 4 * 1024)) as Record<string, unknown>;
      } catch {
        send(response, 400, { error: { code: 'BAD_REQUEST', message: 'malformed challenge request' } });
        return;
      }
      const leaderNonce = asked?.['leaderNonce'];
      if (asked?.['nodeId'] !== options.id || typeof leaderNonce !== 'string' || !/^[0-9a-f]{64}$/.test(leaderNonce)) {
        send(response, 400, { error: { code: 'BAD_REQUEST', message: `expected { nodeId: ${JSON.stringify(options.id)}, leaderNonce: 64 hex digits }` } });
        return;
      }
      const challenge = challenges.issue();
      send(response, 200, { challenge, proof: challengeProof(options.secret, options.id, leaderNonce, challenge) });
      return;
    }
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
    const problem = checkAdmission(admission, options, challenges);
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

function checkAdmission(admission: Admission, options: StartOptions, challenges: Challenges): string | undefined {
  if (typeof admission !== 'object' || admission === null) return 'malformed admission';
  // The nonce is used up first: a refused admission cannot be retried with it either.
  if (!challenges.take(admission.challenge)) return 'no such challenge (expired, used, or never issued)';
  if (typeof admission.clusterId !== 'string' || admission.clusterId === '') return 'no cluster id';
  if (admission.nodeId !== options.id) return `the admission is for ${String(admission.nodeId)}, this node is ${options.id}`;
  if (typeof admission.peers !== 'object' || admission.peers === null || Object.values(admission.peers).some((address) => typeof address !== 'string')) return 'malformed peers';
  const expected = admissionProof(options.secret, admission.challenge, admission.clusterId, admission.nodeId, admission.peers);
  if (!proofMatches(expected, admission.proof)) return 'wrong proof (another secret?)';
  return undefined;
}

/** boundedServer is an HTTP(S) server with the node's connection cap and request timeouts. */
function boundedServer(options: StartOptions, tls: StartOptions['tls'], handler: RequestListener): Server {
  const bounds = { headersTimeout: Math.min(options.httpHeadersTimeoutMs, options.httpRequestTimeoutMs), requestTimeout: options.httpRequestTimeoutMs, connectionsCheckingInterval: 1000 };
  const server: Server = tls === undefined ? createServer(bounds, handler) : (createTlsServer({ ...bounds, cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handler) as unknown as Server);
  server.maxConnections = options.maxConnections;
  return server;
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

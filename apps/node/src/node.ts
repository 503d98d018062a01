/**
 * The reference node, composed: SQLite storage + WebSocket peer transport + RaftNode over the
 * session-wrapped KV store, and the HTTP / client WebSocket servers in front of it.
 *
 *   identity (data dir) ─► SqliteStorage ─┐
 *   peer table (config) ─► WsTransport ───┼─► RaftNode ─► Operations ─► HTTP API + /v1/ws
 *   KV + sessions ─────────────────────────┘      ▲              │
 *                                                 └── forwarded requests (transport.request)
 *
 * Order matters: the HTTP port opens only after `node.start()` has loaded storage and replayed
 * the log (docs/architecture.md), so a client never sees a node that has not recovered yet.
 */
import { trackRole, type RoleView } from './role-view.js';
import { chmodSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRaftNode, sessionTick, type MembershipConfig } from '@raftkit/core';
import { acquireDirectoryLock, createSqliteStorage } from '@raftkit/storage-sqlite';
import { createWsTransport, type WsTransport } from '@raftkit/transport-ws';
import type { Logger } from 'pino';
import { formatAddress } from './cli/address.js';
import { clusterIdOf } from './cli/cluster.js';
import { readPeerTls } from './cli/peer-tls.js';
import { NodeConfigError } from './cli/errors.js';
import type { StartOptions } from './cli/start-options.js';
import { readIdentity, writeIdentity, type ClusterIdentity } from './cluster-identity.js';
import type { HttpContext, MembersView } from './http/context.js';
import { createHttpServer, type HttpServerOptions } from './http/server.js';
import { baseUrl, requestJson } from './http-client.js';
import { createCommandCodec } from './kv/command-codec.js';
import { createNodeStateMachine, type NodeStateMachine } from './kv/kv-machine.js';
import { createHostedStateMachine } from './machine/hosted-machine.js';
import { loadMachine } from './machine/load-machine.js';
import { takeBackup } from './backup/backup-source.js';
import { createEventLoopWatch } from './health/event-loop-watch.js';
import { createStatusPageSource } from './status-page/status-page-source.js';
import { readinessOf } from './health/readiness.js';
import { probeDiskFault } from './health/disk-probe.js';
import { describeStorageFailure } from './health/storage-failure.js';
import { transportLogger } from './logger.js';
import { meterStateMachine } from './metrics/metered-state-machine.js';
import { meterTransport } from './metrics/metered-transport.js';
import { createNodeMetrics } from './metrics/node-metrics.js';
import { OperationError } from './operation-error.js';
import { operationErrorOf, withTimeout } from './raft-errors.js';
import { Operations, type KvNode } from './operations.js';
import { startRespFront } from './resp/resp-front.js';
import { createTokenStore, type TokenStore } from './security/tokens.js';
import { membershipOf, statusView } from './status.js';
import { admit } from './waiting-room.js';
import { attachClientApi } from './ws-api.js';

/** RunningNode is a started node. */
export interface RunningNode {
  readonly id: string;
  readonly clusterId: string;
  readonly node: KvNode;
  /** `host:port` the HTTP API listens on. */
  readonly httpAddress: string;
  /** `host:port` the peer transport listens on. */
  readonly peerAddress: string;
  /** `host:port` the Redis-protocol front listens on (`--resp-listen`), if it serves. */
  readonly respAddress: string | undefined;
  /**
   * The HTTP server and the context its routes and /v1/ws serve (for in-process tests: the fuzz suite).
   * @internal
   */
  readonly http: { readonly server: Server; readonly context: HttpContext };
  /** stop shuts down cleanly: refuses new requests, hands leadership over, closes everything. */
  stop(): Promise<void>;
}

/** Propose a session tick this often on the leader, so idle client sessions expire. */
const SESSION_TICK_MS = 60_000;

/** NodeSecurity is what runStart read for the API before starting: tokens and the TLS pair. */
export interface NodeSecurity {
  readonly tokens?: TokenStore;
  readonly tls?: HttpServerOptions['tls'];
}

/** startNode starts a node as `options` say. Throws NodeConfigError, or the storage's open errors. */
export async function startNode(options: StartOptions, logger: Logger, onFatal: (error: unknown) => void, security: NodeSecurity = {}): Promise<RunningNode> {
  // A --machine module that cannot be loaded fails the start before anything is opened.
  const plugin = options.machine === undefined ? undefined : await loadMachine(options.machine);
  // The directory is this node's alone (0700), and locked BEFORE anything is written into it.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  const lock = await acquireDirectoryLock(options.dataDir);
  let identity: ClusterIdentity;
  let joinPeers: Record<string, string>;
  try {
    ({ identity, joinPeers } = await resolveIdentity(options, logger));
  } catch (error) {
    await lock.release();
    throw error;
  }
  let node: KvNode | undefined;
  /** The peer transport once made (metrics read it at scrape time). */
  let peerTransport: WsTransport | undefined;
  let storageFailure: string | undefined;
  const currentStatus = () => {
    try {
      return node?.status();
    } catch {
      return undefined;
    }
  };
  const metrics = createNodeMetrics(options.id, options.electionTicks, {
    status: currentStatus,
    transport: () => peerTransport?.stats(),
    peerTraffic: () => peerTransport?.peerStats(),
    storageFailed: () => storageFailure !== undefined,
  });
  const storage = createSqliteStorage({ directory: options.dataDir, lock, onTransaction: (transaction) => metrics.storageTransaction(transaction) });

  // Peers come from the replicated configuration; a joining node starts from what the member it
  // asked told it, until it has a configuration of its own.
  const peerTable = (): Record<string, string> => {
    let config: MembershipConfig | undefined;
    try {
      config = node?.status().config;
    } catch {
      config = undefined;
    }
    const known = config !== undefined && config.voters.length + config.learners.length > 0;
    return { ...(known ? {} : joinPeers), ...(config?.addresses ?? {}) };
  };
  const transport: WsTransport = createWsTransport({
    id: options.id,
    clusterId: identity.clusterId,
    listen: { host: options.peerListen.host, port: options.peerListen.port },
    peers: peerTable,
    ...(options.secret === undefined ? {} : { secret: options.secret }),
    ...(options.peerTls === undefined ? {} : { tls: readPeerTls(options.peerTls) }),
    // Whether a node may run without peer authentication is decided (and warned about) at start.
    insecure: options.secret === undefined && options.peerTls === undefined,
    // A forwarded write carries one value of up to --max-body bytes.
    maxPayloadBytes: Math.max(16 * 1024 * 1024, 2 * options.maxBody + 1024 * 1024),
    logger: transportLogger(logger),
  });

  peerTransport = transport;
  // Read on every query (the applied index a read is served at): not a whole status() each time.
  const appliedIndex = () => node?.lastApplied() ?? 0;
  // The hosted machine goes through the same runtime, codec and routes; its own types are data.
  const stateMachine = plugin === undefined ? createNodeStateMachine({ appliedIndex }) : (createHostedStateMachine(plugin, appliedIndex) as unknown as NodeStateMachine);
  // Read on every apply (commit latency is measured on the leader): the role view, not status().
  let roleView: RoleView | undefined;
  const leaderTerm = () => {
    const role = roleView?.();
    return role?.role === 'leader' ? role.term : undefined;
  };
  const raftNode: KvNode = createRaftNode({
    config: { id: options.id, tickMs: options.tickMs, electionTicks: options.electionTicks, heartbeatTicks: options.heartbeatTicks },
    storage,
    transport: meterTransport(transport, metrics),
    stateMachine: meterStateMachine(stateMachine, metrics, leaderTerm),
    codec: createCommandCodec(),
    ...(identity.bootstrap === undefined ? {} : { bootstrap: identity.bootstrap }),
    proposalTimeoutMs: options.requestTimeoutMs,
    snapshot: { entries: options.snapshotEntries, trailing: options.snapshotTrailing },
    ...(options.leaseReads ? { leaseReads: true } : {}),
  });
  node = raftNode;
  roleView = trackRole(raftNode);

  const httpAddress = options.httpAdvertise;
  const operations = new Operations({
    id: options.id,
    node: raftNode,
    transport,
    httpAddress,
    tickMs: options.tickMs,
    electionTicks: options.electionTicks,
    requestTimeoutMs: options.requestTimeoutMs,
    logger,
    metrics,
    hostsMachine: plugin !== undefined,
    role: roleView,
    admitNewMember: (id, peerAddress) => {
      const peers = { ...(raftNode.status().config.addresses ?? {}), [id]: peerAddress };
      return admit(peerAddress, { clusterId: identity.clusterId, nodeId: id, peers }, options.secret, logger);
    },
  });
  transport.onRequest((from, payload) => operations.serve(from, payload));

  raftNode.on('error', (error) => {
    const failure = describeStorageFailure(error);
    storageFailure = failure;
    if (failure === undefined) {
      logger.fatal({ err: error }, 'the Raft node failed and stopped');
      onFatal(error);
      return;
    }
    // A disk fault: the Raft node has stopped (it acknowledges nothing more, and a leader's peers
    // elect another), but the process stays up to say so on /readyz and /metrics until an
    // operator frees space or fixes the disk and restarts it. A restart recovers from what is on disk.
    // SQLite says SQLITE_IOERR_* for both a failed and a read-only disk: the probe tells which.
    void probeDiskFault(options.dataDir).then((code) => {
      const reported = code !== undefined && !failure.startsWith(`${code}:`) ? `${code}: ${failure}` : failure;
      storageFailure = reported;
      logger.fatal({ err: error, storageFailure: reported }, `the data directory's disk failed (${reported.split(':')[0]}): this node stopped taking part; fix the disk and restart it`);
    });
  });
  let lastLeader: string | null = null;
  raftNode.on('roleChanged', (event) => {
    if (event.leader !== lastLeader) {
      if (event.leader !== null) metrics.leaderChanged();
      if (event.leader === options.id) metrics.electionWon();
      lastLeader = event.leader;
      logger.info({ role: event.role, term: event.term, leader: event.leader, ...(event.leader === null || event.leader === options.id ? {} : { peer: event.leader }) }, event.leader === options.id ? 'became leader' : `leader is ${event.leader ?? 'unknown'}`);
      if (event.leader !== null && event.leader !== options.id) void operations.learnHttpAddress(event.leader);
    }
  });

  await raftNode.start();
  const started = raftNode.status();
  logger.info({ clusterId: identity.clusterId, term: started.term, commit: started.commit, applied: started.appliedIndex, snapshot: started.snapshotIndex }, 'storage loaded');

  const eventLoop = createEventLoopWatch();
  const currentStatusView = () => {
    try {
      return statusView(raftNode.status(), identity.clusterId, options.electionTicks);
    } catch {
      throw new OperationError('SHUTTING_DOWN', 'this node is not running');
    }
  };
  const statusPage = createStatusPageSource({
    status: currentStatusView,
    rawStatus: currentStatus,
    members: () => membersView(raftNode, identity.clusterId, operations),
    learnHttpAddresses: (ids) => Promise.all(ids.map((id) => operations.learnHttpAddress(id))),
    metrics,
    scheme: security.tls === undefined ? 'http' : 'https',
  });
  const context: HttpContext = {
    statusPage,
    id: options.id,
    operations,
    metrics,
    logger,
    maxBodyBytes: options.maxBody,
    requestTimeoutMs: options.requestTimeoutMs,
    tokens: security.tokens ?? createTokenStore(undefined),
    status: currentStatusView,
    rawStatus: () => {
      try {
        return raftNode.status();
      } catch {
        return undefined;
      }
    },
    members: () => membersView(raftNode, identity.clusterId, operations),
    transportStats: () => transport.stats(),
    backup: () =>
      takeBackup({
        id: options.id,
        clusterId: identity.clusterId,
        barrier: async () => {
          // A read waits for the read index to be applied, then queries the machine. A hosted
          // machine may refuse this KV query: that error comes after the barrier, which held.
          const read = raftNode.read({ op: 'get', key: 'raftkit-backup-barrier' }).catch((error: unknown) => {
            const failure = operationErrorOf(error);
            if (failure.code !== 'INTERNAL') throw failure;
          });
          await withTimeout(read, options.requestTimeoutMs, () => new OperationError('TIMEOUT', 'the read barrier before the backup was not answered in time'));
        },
        capture: async () => {
          // The stored snapshot's term serves when the applied entry itself was compacted away.
          const stored = await storage.readSnapshot();
          if (stored !== undefined) for await (const _ of stored.chunks) break;
          const status = raftNode.status();
          const index = status.appliedIndex;
          const chunks = stateMachine.snapshot();
          const term = index === 0 ? 0 : (raftNode.inspect().entry(index)?.term ?? (stored?.meta.index === index ? stored.meta.term : undefined));
          if (term === undefined) throw new OperationError('SHUTTING_DOWN', `the term of applied index ${index} is not known here; try again`);
          return { index, term, config: status.config, chunks };
        },
      }),
    readiness: (maxLag) => readinessOf(context.rawStatus(), storageFailure, maxLag),
    eventLoopStaleMs: () => eventLoop.staleMs(),
  };
  const server = createHttpServer(context, {
    ...(security.tls === undefined ? {} : { tls: security.tls }),
    headersTimeoutMs: options.httpHeadersTimeoutMs,
    requestTimeoutMs: options.httpRequestTimeoutMs,
    maxConnections: options.maxConnections,
  });
  const clientApi = attachClientApi(server, context, { maxConnections: options.maxConnections });
  try {
    await listen(server, options.httpListen.host, options.httpListen.port);
  } catch (error) {
    await raftNode.stop().catch(() => {});
    throw error;
  }
  const resp = options.respListen === undefined ? undefined : await startRespFront(options.respListen, context, options.maxBody, stateMachine.inner, context.tokens).catch(async (error: unknown) => {
    server.close();
    await raftNode.stop().catch(() => {});
    throw error;
  });
  const bound = server.address();
  const boundHttp = typeof bound === 'object' && bound !== null ? formatAddress({ host: bound.address, port: bound.port }) : httpAddress;
  const boundPeer = formatAddress(transport.address());
  logger.info({ http: boundHttp, peer: boundPeer, ...(resp === undefined ? {} : { resp: resp.address }), clusterId: identity.clusterId }, 'serving');

  const sessionTicks = setInterval(() => {
    const status = context.rawStatus();
    if (status?.role === 'leader') raftNode.propose(sessionTick(Date.now())).catch(() => {});
  }, SESSION_TICK_MS);
  sessionTicks.unref();

  const joining = new AbortController();
  if (options.join !== undefined && membershipOf(started.config, options.id) === 'non-member') {
    void joinCluster(options, logger, joining.signal);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      joining.abort();
      clearInterval(sessionTicks);
      await handOverLeadership(raftNode, options, logger);
      operations.shutDown();
      clientApi.close();
      const respClosed = resp?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests in flight get a moment to be answered; then every connection is cut.
      const grace = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(grace);
      await respClosed;
      await raftNode.stop();
      eventLoop.stop();
      statusPage.stop();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { id: options.id, clusterId: identity.clusterId, node: raftNode, httpAddress: boundHttp, peerAddress: boundPeer, respAddress: resp?.address, http: { server, context }, stop };
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

/**
 * resolveIdentity finds the cluster this node belongs to: the data directory's identity file if
 * there is one (then `--cluster` is ignored), else `--cluster` (a new cluster), else `--join`
 * (asks the member), else none (a non-member waiting to be added).
 */
async function resolveIdentity(options: StartOptions, logger: Logger): Promise<{ identity: ClusterIdentity; joinPeers: Record<string, string> }> {
  const stored = readIdentity(options.dataDir);
  if (stored !== undefined) {
    if (stored.nodeId !== options.id) {
      throw new NodeConfigError('DATA_DIR_MISMATCH', `${options.dataDir} belongs to node ${JSON.stringify(stored.nodeId)}, not ${JSON.stringify(options.id)}`);
    }
    if (options.cluster !== undefined && clusterIdOf(options.cluster) !== stored.clusterId) {
      logger.warn({ clusterId: stored.clusterId }, '--cluster differs from the cluster this data directory belongs to; it is ignored');
    }
    const asked = options.join === undefined ? {} : await askCluster(options.join, options.joinToken).then((view) => ({ ...view.peerAddresses }), () => ({}));
    return { identity: stored, joinPeers: { ...stored.peers, ...asked } };
  }
  if (options.cluster !== undefined) {
    const addresses = Object.fromEntries(options.cluster.map((member) => [member.id, member.peerAddress]));
    const identity: ClusterIdentity = {
      nodeId: options.id,
      clusterId: clusterIdOf(options.cluster),
      bootstrap: { voters: options.cluster.map((member) => member.id), outgoingVoters: [], learners: [], addresses },
    };
    writeIdentity(options.dataDir, identity);
    return { identity, joinPeers: {} };
  }
  if (options.join !== undefined) {
    let view: MembersView;
    try {
      view = await askCluster(options.join, options.joinToken);
    } catch (error) {
      throw new NodeConfigError('JOIN_FAILED', `cannot ask ${options.join} about its cluster: ${(error as Error).message}`);
    }
    const identity: ClusterIdentity = { nodeId: options.id, clusterId: view.clusterId, peers: { ...view.peerAddresses } };
    writeIdentity(options.dataDir, identity);
    return { identity, joinPeers: { ...view.peerAddresses } };
  }
  // runStart keeps such a node in the waiting room (waiting-room.ts) until a leader admits it.
  throw new NodeConfigError('CONFLICTING_FLAGS', `${options.dataDir} holds no cluster: start with --cluster or --join, or wait for admission (raftkit start does)`);
}

/** askCluster reads `GET /v1/members` of the member at `address`. */
async function askCluster(address: string, token: string | undefined): Promise<MembersView> {
  const answer = await requestJson('GET', `${baseUrl(address)}/v1/members`, undefined, 10_000, token);
  const view = answer.body as Partial<MembersView> | null;
  if (answer.status !== 200 || typeof view?.clusterId !== 'string' || typeof view.peerAddresses !== 'object') {
    throw new Error(`GET /v1/members answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return view as MembersView;
}

/**
 * joinCluster asks the member at `--join` to add this node (POST /v1/members), again and again
 * while the answer says "not now" (503, 504, 409, unreachable), until it is added or the node stops.
 */
async function joinCluster(options: StartOptions, logger: Logger, signal: AbortSignal): Promise<void> {
  const body = { id: options.id, peerAddress: options.peerAdvertise, httpAddress: options.httpAdvertise, learner: options.learner };
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      const answer = await requestJson('POST', `${baseUrl(options.join!)}/v1/members`, body, 6 * options.requestTimeoutMs + 5000, options.joinToken);
      if (answer.status === 200) {
        logger.info({ member: options.join, answer: answer.body }, `joined the cluster as a ${options.learner ? 'learner' : 'voter'}`);
        return;
      }
      logger.warn({ member: options.join, status: answer.status, answer: answer.body, attempt }, 'join not accepted yet; retrying');
    } catch (error) {
      logger.warn({ member: options.join, err: error, attempt }, 'join request failed; retrying');
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)));
  }
}

/** handOverLeadership transfers leadership away before a clean shutdown, so the cluster does not wait out an election timeout. */
async function handOverLeadership(node: KvNode, options: StartOptions, logger: Logger): Promise<void> {
  try {
    const status = node.status();
    if (status.role !== 'leader' || status.config.voters.length < 2) return;
    const timeoutMs = 2 * options.electionTicks * options.tickMs;
    const result = await Promise.race([node.transferLeadership(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref())]);
    if (result !== undefined) logger.info({ peer: result.leader, leader: result.leader, term: result.term }, `handed leadership over to ${result.leader} before stopping`);
  } catch (error) {
    logger.debug({ err: error }, 'no leadership hand-over before stopping');
  }
}

function membersView(node: KvNode, clusterId: string, operations: Operations): MembersView {
  let status;
  try {
    status = node.status();
  } catch {
    throw new OperationError('SHUTTING_DOWN', 'this node is not running');
  }
  const config = status.config;
  const ids = new Set([...config.voters, ...config.outgoingVoters, ...config.learners]);
  const httpAddresses: Record<string, string> = {};
  for (const [id, address] of operations.httpAddresses) if (ids.has(id)) httpAddresses[id] = address;
  return {
    clusterId,
    leader: status.leader,
    voters: [...config.voters],
    learners: [...config.learners],
    outgoing: [...config.outgoingVoters],
    peerAddresses: { ...(config.addresses ?? {}) },
    httpAddresses,
  };
}

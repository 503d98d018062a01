/**
 * The node's Prometheus metrics (`GET /metrics`), with prom-client on a registry of its own:
 * Node.js process metrics, `raftkit_build_info`, the Raft state, proposals (commit and apply
 * latency, pending), storage transactions (fsync), each peer's traffic, round-trip time and
 * match lag, snapshots, elections, leader changes, and HTTP requests by route template.
 * Names follow Prometheus conventions: base units (`_seconds`, `_bytes`), `_total` counters.
 *
 * Events are recorded as they happen (`NodeMetrics` methods, called by the metered storage,
 * transport and state machine and by the HTTP layer); state is read at scrape time (`sources`).
 */
import type { RaftNodeStatus } from '@raftkit/core';
import type { SqliteTransactionStatistics } from '@raftkit/storage-sqlite';
import type { WsPeerTraffic, WsTransportStats } from '@raftkit/transport-ws';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { statusView } from '../status.js';
import { VERSION } from '../version.js';

/** Latency buckets in seconds: from a fast local operation to a request timeout. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Size buckets in bytes: 64 B to 1 GiB, by powers of 4. */
const SIZE_BUCKETS = Array.from({ length: 13 }, (_, power) => 64 * 4 ** power);
/** Snapshot durations run longer: up to ten minutes. */
const SNAPSHOT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600];
const ROLES = ['follower', 'pre-candidate', 'candidate', 'leader', 'learner', 'non-member'] as const;

/** SnapshotOperation is what was done with a snapshot. */
export type SnapshotOperation = 'create' | 'send' | 'install';

/** Activity is running totals since the node started. */
export interface Activity {
  readonly reads: number;
  readonly commitLatencySeconds: number;
  readonly commits: number;
}

/** MetricSources are read at every scrape; each returns undefined when the node is not running. */
export interface MetricSources {
  status(): RaftNodeStatus | undefined;
  transport(): WsTransportStats | undefined;
  peerTraffic(): Readonly<Record<string, WsPeerTraffic>> | undefined;
  /** Set once a disk fault stopped the node. */
  storageFailed(): boolean;
}

/** NodeMetrics records what the node does and renders it for Prometheus. */
export interface NodeMetrics {
  readonly registry: Registry;
  /** Requests forwarded to the leader. */
  forwarded(): void;
  /** leaderChanged counts a change of the known leader (to a node, not to "none"). */
  leaderChanged(): void;
  electionStarted(preVote: boolean): void;
  electionWon(): void;
  /** proposal counts one proposal's outcome (`OK` or an error code); the duration is proposal to applied. */
  proposal(outcome: string, seconds?: number): void;
  /** pendingProposal moves the gauge of proposals waiting for their answer by `delta`. */
  pendingProposal(delta: 1 | -1): void;
  /** committed: a proposal of this leader reached apply `seconds` after it was proposed. */
  committed(seconds: number): void;
  applied(seconds: number): void;
  storageTransaction(transaction: SqliteTransactionStatistics): void;
  peerRoundTrip(peer: string, seconds: number): void;
  snapshot(operation: SnapshotOperation, seconds: number, bytes: number): void;
  /** request records one answered HTTP request; `route` is the route template (`/v1/kv/:key`). */
  request(method: string, route: string, status: number, seconds: number): void;
  /** read counts one key-value read served through this node (HTTP or /v1/ws). */
  read(): void;
  /** activity is the running totals the status page's charts are drawn from. */
  activity(): Activity;
  /** lastRoundTrips is each peer's latest heartbeat round trip in seconds (on the leader). */
  lastRoundTrips(): Readonly<Record<string, number>>;
  /** render is the exposition text. */
  render(): Promise<string>;
  /** contentType is the exposition's content type. */
  readonly contentType: string;
}

/** createNodeMetrics makes every metric on a new registry labelled with the node id. */
export function createNodeMetrics(nodeId: string, electionTicks: number, sources: MetricSources): NodeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Gauge({ name: 'raftkit_build_info', help: 'Always 1; the labels say which raftkit and Node.js run.', labelNames: ['version', 'node_version'], registers }).set({ version: VERSION, node_version: process.version }, 1);

  const stateGauge = (name: string, help: string, read: (status: RaftNodeStatus) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const status = sources.status();
        if (status === undefined) this.reset();
        else this.set(read(status));
      },
    });
  stateGauge('raftkit_term', 'Current Raft term.', (status) => status.term);
  stateGauge('raftkit_commit_index', 'Highest log index known committed.', (status) => status.commit);
  stateGauge('raftkit_applied_index', 'Highest log index applied to the state machine.', (status) => status.appliedIndex);
  stateGauge('raftkit_last_log_index', 'Last index in the log.', (status) => status.lastIndex);
  stateGauge('raftkit_snapshot_index', 'Index of the latest snapshot.', (status) => status.snapshotIndex);
  stateGauge('raftkit_has_leader', '1 when this node knows a leader.', (status) => (status.leader === null ? 0 : 1));
  new Gauge({
    name: 'raftkit_role',
    help: '1 for the role this node has now (learner and non-member for nodes that are not voters).',
    labelNames: ['role'],
    registers,
    collect() {
      const status = sources.status();
      this.reset();
      if (status === undefined) return;
      const role = statusView(status, '', electionTicks).role;
      for (const name of ROLES) this.set({ role: name }, role === name ? 1 : 0);
    },
  });
  new Gauge({
    name: 'raftkit_storage_failed',
    help: '1 once a disk fault (ENOSPC, EIO, read-only) stopped this node; restart it after fixing the disk.',
    registers,
    collect() {
      this.set(sources.storageFailed() ? 1 : 0);
    },
  });

  const leaderChanges = new Counter({ name: 'raftkit_leader_changes_total', help: 'Times the known leader changed to a node.', registers });
  const elections = new Counter({ name: 'raftkit_elections_started_total', help: 'Elections this node started (as a candidate, after a pre-vote won).', registers });
  const preVotes = new Counter({ name: 'raftkit_pre_votes_started_total', help: 'Pre-vote rounds this node started.', registers });
  const electionsWon = new Counter({ name: 'raftkit_elections_won_total', help: 'Times this node became leader.', registers });
  const forwarded = new Counter({ name: 'raftkit_forwarded_requests_total', help: 'Requests forwarded to the leader.', registers });
  const proposals = new Counter({ name: 'raftkit_proposals_total', help: 'Proposals made on this node, by outcome (OK or an error code).', labelNames: ['outcome'], registers });
  const proposalDuration = new Histogram({ name: 'raftkit_proposal_duration_seconds', help: 'Time from proposal to applied, for successful proposals.', buckets: LATENCY_BUCKETS, registers });
  const pending = new Gauge({ name: 'raftkit_pending_proposals', help: 'Proposals on this node waiting for their answer.', registers });
  const commitLatency = new Histogram({ name: 'raftkit_commit_latency_seconds', help: 'Time from a proposal on the leader to its entry being committed and handed to apply.', buckets: LATENCY_BUCKETS, registers });
  const applyDuration = new Histogram({ name: 'raftkit_apply_duration_seconds', help: 'Time the state machine took to apply one entry.', buckets: LATENCY_BUCKETS, registers });
  const fsync = new Histogram({ name: 'raftkit_storage_fsync_duration_seconds', help: 'Time to commit one storage transaction, its fsync included.', buckets: LATENCY_BUCKETS, registers });
  const transactionBytes = new Histogram({ name: 'raftkit_storage_transaction_size_bytes', help: 'Entry and snapshot data written by one storage transaction.', buckets: SIZE_BUCKETS, registers });
  const transactionOperations = new Counter({ name: 'raftkit_storage_operations_total', help: 'Storage calls committed (several share one transaction under group commit).', registers });
  const rtt = new Histogram({ name: 'raftkit_peer_rtt_seconds', help: 'Round-trip time of heartbeats, by peer (measured on the leader).', labelNames: ['peer'], buckets: LATENCY_BUCKETS, registers });
  const snapshotDuration = new Histogram({ name: 'raftkit_snapshot_duration_seconds', help: 'Snapshot work by operation: create (state machine to disk), send (leader to one follower), install (received and stored).', labelNames: ['operation'], buckets: SNAPSHOT_BUCKETS, registers });
  const snapshotBytes = new Histogram({ name: 'raftkit_snapshot_size_bytes', help: 'Snapshot size by operation.', labelNames: ['operation'], buckets: SIZE_BUCKETS, registers });
  const httpRequests = new Counter({ name: 'raftkit_http_requests_total', help: 'HTTP requests answered, by method, route template and status.', labelNames: ['method', 'route', 'status'], registers });
  const httpDuration = new Histogram({ name: 'raftkit_http_request_duration_seconds', help: 'HTTP request latency, by method and route template.', labelNames: ['method', 'route'], buckets: LATENCY_BUCKETS, registers });

  const cumulative = (name: string, help: string, read: (stats: WsTransportStats) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const stats = sources.transport();
        this.reset();
        if (stats !== undefined) this.inc(read(stats));
      },
    });
  cumulative('raftkit_peer_messages_dropped_total', 'Raft messages dropped by the transport (unknown peer, too large, queue full).', (stats) => stats.dropped);
  cumulative('raftkit_peer_reconnects_total', 'Peer connections established again after being lost.', (stats) => stats.reconnects);
  new Gauge({
    name: 'raftkit_peer_connections',
    help: 'Open peer connections.',
    registers,
    collect() {
      this.set(sources.transport()?.openConnections ?? 0);
    },
  });
  const perPeer = (name: string, help: string, read: (traffic: WsPeerTraffic) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['peer'],
      registers,
      collect() {
        this.reset();
        for (const [peer, traffic] of Object.entries(sources.peerTraffic() ?? {})) this.inc({ peer }, read(traffic));
      },
    });
  perPeer('raftkit_peer_sent_bytes_total', 'Bytes of Raft frames sent, by peer.', (traffic) => traffic.bytesSent);
  perPeer('raftkit_peer_received_bytes_total', 'Bytes of Raft frames received, by peer.', (traffic) => traffic.bytesReceived);
  perPeer('raftkit_peer_sent_messages_total', 'Raft messages sent, by peer.', (traffic) => traffic.messagesSent);
  perPeer('raftkit_peer_received_messages_total', 'Raft messages received, by peer.', (traffic) => traffic.messagesReceived);
  new Gauge({
    name: 'raftkit_peer_match_lag_entries',
    help: "Entries between the leader's last index and each peer's match index (on the leader only).",
    labelNames: ['peer'],
    registers,
    collect() {
      this.reset();
      const status = sources.status();
      if (status?.role !== 'leader') return;
      for (const peer of status.progress) this.set({ peer: peer.id }, Math.max(0, status.lastIndex - peer.match));
    },
  });

  const kvReads = new Counter({ name: 'raftkit_kv_reads_total', help: 'Key-value reads served through this node (HTTP and /v1/ws).', registers });
  const totals = { reads: 0, commitLatencySeconds: 0, commits: 0 };
  const roundTrips: Record<string, number> = {};

  return {
    registry,
    read: () => {
      totals.reads++;
      kvReads.inc();
    },
    activity: () => ({ ...totals }),
    lastRoundTrips: () => ({ ...roundTrips }),
    contentType: registry.contentType,
    forwarded: () => forwarded.inc(),
    leaderChanged: () => leaderChanges.inc(),
    electionStarted: (preVote) => (preVote ? preVotes : elections).inc(),
    electionWon: () => electionsWon.inc(),
    proposal: (outcome, seconds) => {
      proposals.inc({ outcome });
      if (seconds !== undefined) proposalDuration.observe(seconds);
    },
    pendingProposal: (delta) => pending.inc(delta),
    committed: (seconds) => {
      totals.commits++;
      totals.commitLatencySeconds += seconds;
      commitLatency.observe(seconds);
    },
    applied: (seconds) => applyDuration.observe(seconds),
    storageTransaction: (transaction) => {
      fsync.observe(transaction.durationMs / 1000);
      transactionBytes.observe(transaction.bytes);
      transactionOperations.inc(transaction.operations);
    },
    peerRoundTrip: (peer, seconds) => {
      roundTrips[peer] = seconds;
      rtt.observe({ peer }, seconds);
    },
    snapshot: (operation, seconds, bytes) => {
      snapshotDuration.observe({ operation }, seconds);
      snapshotBytes.observe({ operation }, bytes);
    },
    request: (method, route, status, seconds) => {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },
    render: () => registry.metrics(),
  };
}

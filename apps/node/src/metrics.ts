/**
 * Metrics in the Prometheus text format (`GET /metrics`): the node's Raft state as gauges,
 * counters of leader changes, proposals and forwarded requests, and request latencies as
 * histograms per route.
 */
import type { RaftNodeStatus } from '@raftkit/core';
import type { WsTransportStats } from '@raftkit/transport-ws';

/** Latency buckets in seconds: from a fast local read to a request timeout. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const ROLES = ['follower', 'pre-candidate', 'candidate', 'leader'] as const;

class Histogram {
  readonly counts = new Array<number>(BUCKETS.length).fill(0);
  count = 0;
  sum = 0;
  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    for (let position = 0; position < BUCKETS.length; position++) if (seconds <= BUCKETS[position]!) this.counts[position]!++;
  }
}

/** Metrics counts what the node did since it started. */
export class Metrics {
  leaderChanges = 0;
  forwarded = 0;
  private readonly proposals = new Map<string, number>();
  private readonly proposalLatency = new Histogram();
  private readonly requests = new Map<string, Histogram>();
  private readonly responses = new Map<string, number>();

  /** proposal counts one proposal's outcome (`OK` or an error code), with its latency when it succeeded. */
  proposal(outcome: string, milliseconds?: number): void {
    this.proposals.set(outcome, (this.proposals.get(outcome) ?? 0) + 1);
    if (milliseconds !== undefined) this.proposalLatency.observe(milliseconds / 1000);
  }

  /** request records one answered HTTP request. */
  request(route: string, status: number, milliseconds: number): void {
    let histogram = this.requests.get(route);
    if (histogram === undefined) this.requests.set(route, (histogram = new Histogram()));
    histogram.observe(milliseconds / 1000);
    const key = `${route}\u0000${status}`;
    this.responses.set(key, (this.responses.get(key) ?? 0) + 1);
  }

  /** render writes every metric in the Prometheus text exposition format. */
  render(status: RaftNodeStatus | undefined, transport: WsTransportStats | undefined): string {
    const lines: string[] = [];
    const gauge = (name: string, help: string, value: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    if (status !== undefined) {
      gauge('raftkit_term', 'Current Raft term.', status.term);
      gauge('raftkit_commit_index', 'Highest log index known committed.', status.commit);
      gauge('raftkit_applied_index', 'Highest log index applied to the state machine.', status.appliedIndex);
      gauge('raftkit_last_log_index', 'Last index in the log.', status.lastIndex);
      gauge('raftkit_snapshot_index', 'Index of the latest snapshot.', status.snapshotIndex);
      lines.push('# HELP raftkit_role 1 for the role this node has now.', '# TYPE raftkit_role gauge');
      for (const role of ROLES) lines.push(`raftkit_role{role="${role}"} ${status.role === role ? 1 : 0}`);
      gauge('raftkit_has_leader', '1 when this node knows a leader.', status.leader === null ? 0 : 1);
    }
    lines.push('# HELP raftkit_leader_changes_total Times the known leader changed.', '# TYPE raftkit_leader_changes_total counter', `raftkit_leader_changes_total ${this.leaderChanges}`);
    lines.push('# HELP raftkit_forwarded_requests_total Requests forwarded to the leader.', '# TYPE raftkit_forwarded_requests_total counter', `raftkit_forwarded_requests_total ${this.forwarded}`);
    lines.push('# HELP raftkit_proposals_total Proposals made on this node, by outcome.', '# TYPE raftkit_proposals_total counter');
    for (const [outcome, count] of [...this.proposals].sort()) lines.push(`raftkit_proposals_total{outcome="${outcome}"} ${count}`);
    lines.push('# HELP raftkit_proposal_duration_seconds Time from proposal to applied, for successful proposals.', '# TYPE raftkit_proposal_duration_seconds histogram');
    pushHistogram(lines, 'raftkit_proposal_duration_seconds', '', this.proposalLatency);
    lines.push('# HELP raftkit_http_requests_total HTTP requests answered, by route and status.', '# TYPE raftkit_http_requests_total counter');
    for (const [key, count] of [...this.responses].sort()) {
      const [route, code] = key.split('\u0000');
      lines.push(`raftkit_http_requests_total{route="${route}",status="${code}"} ${count}`);
    }
    lines.push('# HELP raftkit_http_request_duration_seconds HTTP request latency, by route.', '# TYPE raftkit_http_request_duration_seconds histogram');
    for (const [route, histogram] of [...this.requests].sort(([left], [right]) => (left < right ? -1 : 1))) {
      pushHistogram(lines, 'raftkit_http_request_duration_seconds', `route="${route}"`, histogram);
    }
    if (transport !== undefined) {
      const counter = (name: string, help: string, value: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
      counter('raftkit_peer_messages_sent_total', 'Raft messages sent to peers.', transport.messagesSent);
      counter('raftkit_peer_messages_received_total', 'Raft messages received from peers.', transport.messagesReceived);
      counter('raftkit_peer_messages_dropped_total', 'Raft messages dropped by the transport.', transport.dropped);
      gauge('raftkit_peer_connections', 'Open peer connections.', transport.openConnections);
    }
    return `${lines.join('\n')}\n`;
  }
}

function pushHistogram(lines: string[], name: string, labels: string, histogram: Histogram): void {
  const prefix = labels === '' ? '' : `${labels},`;
  BUCKETS.forEach((bound, position) => lines.push(`${name}_bucket{${prefix}le="${bound}"} ${histogram.counts[position]}`));
  lines.push(`${name}_bucket{${prefix}le="+Inf"} ${histogram.count}`);
  const suffix = labels === '' ? '' : `{${labels}}`;
  lines.push(`${name}_sum${suffix} ${histogram.sum}`, `${name}_count${suffix} ${histogram.count}`);
}

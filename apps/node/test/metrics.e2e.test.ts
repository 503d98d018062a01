/**
 * `GET /metrics` of a real 3-node cluster, scraped over HTTP and parsed with a Prometheus text
 * parser: process metrics, build info, Raft state, storage fsync, commit and apply latency,
 * per-peer traffic, round trips and match lag, elections, snapshots (create, send, install) and
 * HTTP requests by route template.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, putRetrying, status, TestCluster, waitFor } from './support/cluster.js';
import { scrape } from './support/metrics.js';

/** Writes while a follower is down: well past the leader's window of 256 unanswered appends. */
const WRITES = 600;

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

describe('metrics', () => {
  it('a 3-node cluster exposes what an operator needs, in valid Prometheus text', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3'], { flags: { 'snapshot-entries': '100', 'snapshot-trailing': '0' } });
    const { leader } = await cluster.waitForLeader();
    const [lagging, other] = cluster.nodes.filter((node) => node !== leader) as [typeof leader, typeof leader];

    // A follower misses enough writes that it must be sent a snapshot when it comes back. The
    // leader does not know it is dead: it keeps replicating to it until its window of unanswered
    // appends (256 messages) is full, and the transport holds those for delivery when the peer is
    // back. So the writes go well past that window, and the leader's log is compacted past it;
    // fewer, and the restarted node catches up from the queued appends without a snapshot.
    await lagging.kill('SIGKILL');
    for (let n = 0; n < WRITES; n++) await putRetrying(leader, `key-${n}`, `value-${n}`);
    expect((await call(leader, 'GET', '/v1/kv/key-7')).status).toBe(200);
    // Snapshots are taken in the background: wait for the compaction.
    await waitFor('the leader to snapshot and compact past the lagging node', async () => ((await status(leader)).snapshotIndex >= WRITES - 100 ? true : undefined), 60_000);
    await lagging.start();
    const target = (await status(leader)).commitIndex;
    await waitFor(`${lagging.id} to catch up to ${target}`, async () => ((await status(lagging)).appliedIndex >= target ? true : undefined));

    const onLeader = await waitFor('the leader to report both peers\' round trips', async () => {
      const parsed = await scrape(leader);
      const ready = [lagging, other].every((peer) => parsed.count('raftkit_peer_rtt_seconds', { peer: peer.id }) > 0);
      return ready ? parsed : undefined;
    }, 90_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${cluster!.logs()}`);
    });

    // Node.js and process metrics, and what runs.
    expect(onLeader.value('process_cpu_user_seconds_total', { node: leader.id })).toBeGreaterThan(0);
    expect(onLeader.samples('nodejs_eventloop_lag_seconds')).toHaveLength(1);
    const build = onLeader.samples('raftkit_build_info');
    expect(build).toHaveLength(1);
    expect(build[0]!.labels).toMatchObject({ node: leader.id, node_version: process.version });
    expect(build[0]!.labels?.['version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(Number(build[0]!.value)).toBe(1);

    // Raft state and elections.
    expect(onLeader.value('raftkit_role', { role: 'leader' })).toBe(1);
    expect(onLeader.value('raftkit_role', { role: 'follower' })).toBe(0);
    expect(onLeader.value('raftkit_commit_index')).toBeGreaterThanOrEqual(WRITES);
    expect(onLeader.value('raftkit_elections_won_total')).toBeGreaterThanOrEqual(1);
    expect(onLeader.value('raftkit_elections_started_total')).toBeGreaterThanOrEqual(1);
    expect(onLeader.value('raftkit_pre_votes_started_total')).toBeGreaterThanOrEqual(1);
    expect(onLeader.value('raftkit_leader_changes_total')).toBeGreaterThanOrEqual(1);

    // Proposals: commit and apply latency, none pending now.
    expect(onLeader.value('raftkit_proposals_total', { outcome: 'OK' })).toBeGreaterThanOrEqual(WRITES);
    expect(onLeader.count('raftkit_commit_latency_seconds')).toBeGreaterThanOrEqual(WRITES);
    expect(onLeader.count('raftkit_apply_duration_seconds')).toBeGreaterThanOrEqual(WRITES);
    expect(onLeader.value('raftkit_pending_proposals')).toBe(0);

    // Storage: every write went through an fsynced transaction.
    expect(onLeader.count('raftkit_storage_fsync_duration_seconds')).toBeGreaterThan(0);
    expect(onLeader.count('raftkit_storage_transaction_size_bytes')).toBeGreaterThan(0);

    // Peers: traffic both ways and match lag, by peer.
    for (const peer of [lagging, other]) {
      expect(onLeader.value('raftkit_peer_sent_bytes_total', { peer: peer.id })).toBeGreaterThan(0);
      expect(onLeader.value('raftkit_peer_received_bytes_total', { peer: peer.id })).toBeGreaterThan(0);
      expect(onLeader.value('raftkit_peer_sent_messages_total', { peer: peer.id })).toBeGreaterThan(0);
      expect(onLeader.value('raftkit_peer_received_messages_total', { peer: peer.id })).toBeGreaterThan(0);
      expect(onLeader.value('raftkit_peer_match_lag_entries', { peer: peer.id })).toBeGreaterThanOrEqual(0);
    }

    // Snapshots: the leader made some and sent one to the lagging node, which installed it.
    expect(onLeader.count('raftkit_snapshot_duration_seconds', { operation: 'create' })).toBeGreaterThan(0);
    expect(onLeader.count('raftkit_snapshot_duration_seconds', { operation: 'send' })).toBeGreaterThan(0);
    expect(onLeader.count('raftkit_snapshot_size_bytes', { operation: 'send' })).toBeGreaterThan(0);

    // HTTP: the route template, method and status are separate labels.
    expect(onLeader.value('raftkit_http_requests_total', { method: 'PUT', route: '/v1/kv/:key', status: '200' })).toBeGreaterThanOrEqual(WRITES);
    expect(onLeader.count('raftkit_http_request_duration_seconds', { method: 'PUT', route: '/v1/kv/:key' })).toBeGreaterThanOrEqual(WRITES);

    // Every node answers a valid scrape.
    const onLagging = await scrape(lagging);
    expect(onLagging.value('raftkit_role', { role: 'follower' })).toBe(1);
    expect(onLagging.count('raftkit_snapshot_duration_seconds', { operation: 'install' })).toBe(1);
    expect(onLagging.count('raftkit_snapshot_size_bytes', { operation: 'install' })).toBe(1);
    const onOther = await scrape(other);
    expect(onOther.count('raftkit_apply_duration_seconds')).toBeGreaterThanOrEqual(WRITES);
    expect(onOther.value('raftkit_storage_failed')).toBe(0);
  });
});

/**
 * Membership and leadership through the HTTP API and the admin commands, against real
 * processes: `--join` (caught up by snapshot, promoted to voter), `--join --learner`, leadership
 * transfer with `raftkit leader transfer`, and removing the leader with `DELETE /v1/members/:id`.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freePort, nodeEnv, putRetrying, status, TestCluster, waitFor, type NodeProcess } from './support/cluster.js';

const binPath = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** raftkit runs one admin command and returns its exit code and the JSON it printed. */
async function raftkit(...args: string[]): Promise<{ code: number | null; json: unknown; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@raftkit/source', '--import', tsxLoader, binPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: nodeEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (exit) => resolve(exit)));
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = stdout;
  }
  return { code, json, stderr };
}

let cluster: TestCluster;

beforeAll(async () => {
  // A small snapshot threshold, so a joining node is caught up by InstallSnapshot.
  cluster = await TestCluster.start(['n1', 'n2', 'n3'], { flags: { 'snapshot-entries': '20', 'snapshot-trailing': '5' } });
});

afterAll(async () => {
  await cluster?.destroy();
});

const voters = () => cluster.nodes.filter((node) => ['n1', 'n2', 'n3', 'n4'].includes(node.id) && node.running);

describe('membership and leadership', () => {
  let joined: NodeProcess;

  it('--join adds an empty node: caught up by snapshot, promoted to voter, serving reads', async () => {
    for (let n = 0; n < 60; n++) await putRetrying(cluster.nodes[n % 3]!, `before-join-${n}`, `v${n}`);
    const { leader } = await cluster.waitForLeader();
    expect((await status(leader)).snapshotIndex).toBeGreaterThan(0);
    const follower = cluster.nodes.find((node) => node !== leader && node.id.startsWith('n'))!;
    joined = await cluster.newNode('n4', { join: follower.http, 'snapshot-entries': '20', 'snapshot-trailing': '5' });
    await joined.start();
    const joinedStatus = await waitFor('n4 to become a voter that follows the leader', async () => {
      const own = await status(joined);
      return own.members.voters.includes('n4') && own.role === 'follower' && own.leader === leader.id ? own : undefined;
    }, 60_000);
    expect(joinedStatus.snapshotIndex).toBeGreaterThan(0);
    expect((await status(leader)).members.voters.sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
    const read = await call(joined, 'GET', '/v1/kv/before-join-59');
    expect([read.status, read.text]).toEqual([200, 'v59']);
  });

  it('raftkit members list prints the configuration and exits 0', async () => {
    const result = await raftkit('members', 'list', '--http', cluster.nodes[0]!.http);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ voters: expect.arrayContaining(['n1', 'n2', 'n3', 'n4']), learners: [], outgoing: [] });
    expect((result.json as { voters: string[] }).voters).toHaveLength(4);
  });

  it('raftkit leader transfer --to hands leadership over and prints the new leader', async () => {
    const result = await raftkit('leader', 'transfer', '--to', 'n4', '--http', cluster.nodes[1]!.http);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ leader: 'n4', term: expect.any(Number) });
    const { leader } = await cluster.waitForLeader(voters());
    expect(leader.id).toBe('n4');
    // A transfer the leader refuses is a 409, also when the target is no member at all.
    const refused = await call(cluster.nodes[2]!, 'POST', '/v1/leader/transfer', { body: JSON.stringify({ to: 'nobody' }), headers: { 'content-type': 'application/json' } });
    expect(refused.status).toBe(409);
    expect((refused.json as { error: { code: string } }).error.code).toBe('CONFLICT');
    expect((await cluster.waitForLeader(voters())).leader.id).toBe('n4');
  });

  it('removing the leader succeeds: the others elect a new leader and keep taking writes', async () => {
    const removed = await call(cluster.nodes[0]!, 'DELETE', '/v1/members/n4');
    expect(removed.status).toBe(200);
    expect(removed.json).toMatchObject({ id: 'n4', index: expect.any(Number) });
    const rest = cluster.nodes.filter((node) => ['n1', 'n2', 'n3'].includes(node.id));
    const { leader } = await cluster.waitForLeader(rest);
    expect(leader.id).not.toBe('n4');
    expect((await status(leader)).members.voters.sort()).toEqual(['n1', 'n2', 'n3']);
    await putRetrying(rest[0]!, 'after-removal', 'yes');
    expect((await call(rest[1]!, 'GET', '/v1/kv/after-removal')).text).toBe('yes');
    // The removed node knows it is out.
    await waitFor('n4 to see itself removed', async () => ((await status(joined)).role === 'non-member' ? true : undefined));
  });

  it('--join --learner stays a learner: it receives the log but does not vote', async () => {
    const learner = await cluster.newNode('n5', { join: cluster.nodes[0]!.http, learner: true });
    await learner.start();
    const own = await waitFor('n5 to be a learner that caught up', async () => {
      const body = await status(learner);
      return body.role === 'learner' && body.members.learners.includes('n5') && body.appliedIndex > 60 ? body : undefined;
    }, 60_000);
    expect(own.members.voters.sort()).toEqual(['n1', 'n2', 'n3']);
    const read = await call(learner, 'GET', '/v1/kv/after-removal');
    expect([read.status, read.text]).toEqual([200, 'yes']);
  });

  it('a node started with neither --cluster nor --join waits as a non-member until POST /v1/members adds it', async () => {
    const waiting = await cluster.newNode('n6', {});
    await waiting.start();
    const before = await status(waiting);
    expect([before.role, before.leader, before.members.voters]).toEqual(['non-member', null, []]);
    // A second process on the waiting node's data directory is refused at once, naming the lock.
    const [peerPort, httpPort] = [await freePort(), await freePort()];
    const twin = await raftkit('start', '--id', 'n6', '--data', waiting.dataDir, '--peer-listen', `127.0.0.1:${peerPort}`, '--http-listen', `127.0.0.1:${httpPort}`);
    expect(twin.code).toBe(1);
    expect(`${JSON.stringify(twin.json)}${twin.stderr}`).toMatch(/already|locked|LOCKED/);
    const refused = await call(waiting, 'PUT', '/v1/kv/x', { body: 'x' });
    expect(refused.status).toBe(503);
    expect((refused.json as { error: { code: string } }).error.code).toBe('NOT_MEMBER');
    expect(refused.headers.get('retry-after')).not.toBe(null);
    // An unknown route is a 404 here as on a member, not a 503 that invites a retry.
    const unknown = await call(waiting, 'GET', '/v1/nothing-here');
    expect([unknown.status, (unknown.json as { error: { code: string } }).error.code]).toEqual([404, 'NOT_FOUND']);

    const added = await raftkit('members', 'add', 'n6', '--peer-address', waiting.peer, '--http-address', waiting.http, '--http', cluster.nodes[1]!.http);
    expect(added.code).toBe(0);
    expect(added.json).toMatchObject({ id: 'n6', role: 'voter' });
    const after = await waitFor('n6 to follow as a voter', async () => {
      const body = await status(waiting);
      return body.role === 'follower' && body.leader !== null ? body : undefined;
    }, 60_000);
    expect(after.members.voters.sort()).toEqual(['n1', 'n2', 'n3', 'n6']);
    const read = await call(waiting, 'GET', '/v1/kv/after-removal');
    expect([read.status, read.text]).toEqual([200, 'yes']);
  });

  it('admin commands exit non-zero on a non-2xx answer or an unreachable node', async () => {
    const refused = await raftkit('members', 'remove', 'nobody', '--http', cluster.nodes[0]!.http);
    expect(refused.code).toBe(1);
    expect((refused.json as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const unreachable = await raftkit('status', '--http', '127.0.0.1:1');
    expect(unreachable.code).toBe(1);
    expect((unreachable.json as { error: { code: string } }).error.code).toBe('UNREACHABLE');
    const usage = await raftkit('members', 'frobnicate');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('UNKNOWN_COMMAND');
    const ok = await raftkit('status', '--http', cluster.nodes[2]!.http);
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ id: cluster.nodes[2]!.id, members: { voters: expect.any(Array) } });
  });

  it('a second POST /v1/members while the learner of the first is still catching up is refused with 409', async () => {
    // The voters by now: n1..n3 (n4 was removed) and n6, added from the waiting room.
    const { leader } = await cluster.waitForLeader(cluster.nodes.filter((node) => ['n1', 'n2', 'n3', 'n6'].includes(node.id) && node.running));
    const json = { 'content-type': 'application/json' };
    // Nothing listens at port 1: the learner is added but never catches up, so the add stays pending.
    const first = call(leader, 'POST', '/v1/members', { body: JSON.stringify({ id: 'ghost', peerAddress: '127.0.0.1:1', learner: false }), headers: json, timeoutMs: 20_000 });
    await waitFor('ghost to be a learner', async () => ((await status(leader)).members.learners.includes('ghost') ? true : undefined));
    const second = await call(leader, 'POST', '/v1/members', { body: JSON.stringify({ id: 'ghost2', peerAddress: '127.0.0.1:2', learner: true }), headers: json });
    expect(second.status).toBe(409);
    expect((second.json as { error: { code: string } }).error.code).toBe('CONFLICT');
    // The first add gives up at the request timeout (outcome unknown: the learner stays).
    expect((await first).status).toBe(504);
    expect((await status(leader)).members.learners).toContain('ghost');
    const removed = await call(leader, 'DELETE', '/v1/members/ghost');
    expect(removed.status).toBe(200);
    expect((await status(leader)).members.learners).not.toContain('ghost');
  });
});

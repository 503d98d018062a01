/**
 * Backup and restore with the real command line: 10,000 keys written to a 3-node cluster,
 * `raftkit snapshot save` (the first endpoint dead), `raftkit snapshot restore` into each node of
 * a fresh 3-node cluster, every key read back there. A damaged backup is refused and nothing is
 * written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, freePort, TestCluster } from './support/cluster.js';
import { raftkit, unreadWrites } from './support/operations.js';

const KEYS = 10_000;
const clusters: TestCluster[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const cluster of clusters.splice(0)) await cluster.destroy();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('raftkit snapshot save / restore', () => {
  it('10,000 keys saved from one cluster are all read back from a fresh cluster restored from the file', async () => {
    const source = await TestCluster.start(['n1', 'n2', 'n3']);
    clusters.push(source);
    const { leader } = await source.waitForLeader();
    const written = new Map<string, string>();
    for (let n = 0; n < KEYS; n++) written.set(`key-${n}`, `value-${n}-${'x'.repeat(n % 50)}`);
    const entries = [...written];
    // Writes in parallel: the leader batches them into few entries' worth of fsyncs.
    for (let start = 0; start < entries.length; start += 64) {
      await Promise.all(
        entries.slice(start, start + 64).map(async ([key, value]) => {
          const answer = await call(leader, 'PUT', `/v1/kv/${key}`, { body: value });
          if (answer.status !== 200) throw new Error(`PUT ${key}: ${answer.status} ${answer.text}`);
        }),
      );
    }

    const directory = mkdtempSync(join(tmpdir(), 'raftkit-backup-e2e-'));
    directories.push(directory);
    const file = join(directory, 'cluster.backup');
    const follower = source.nodes.find((node) => node !== leader)!;
    const dead = `127.0.0.1:${await freePort()}`;
    const saved = await raftkit('snapshot', 'save', file, '--endpoints', `${dead},${follower.http}`);
    expect({ code: saved.code, stderr: saved.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(saved.stdout) as { index: number; term: number; voters: string[]; from: string };
    expect(report.from).toBe(follower.http);
    expect(report.index).toBeGreaterThanOrEqual(KEYS);
    expect(report.voters.sort()).toEqual(['n1', 'n2', 'n3']);
    await source.destroy();

    // A damaged copy is refused with a clear error, and the data directory stays untouched.
    const damaged = join(directory, 'damaged.backup');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] = bytes[Math.floor(bytes.length / 2)]! ^ 0xff;
    writeFileSync(damaged, bytes);
    const refusedDir = join(directory, 'refused');
    const refused = await raftkit('snapshot', 'restore', damaged, '--data', refusedDir, '--id', 'm1', '--cluster', `m1=127.0.0.1:${await freePort()}`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/CHECKSUM_MISMATCH: .*damaged/);
    expect(existsSync(refusedDir) ? readdirSync(refusedDir) : []).toEqual([]);

    // A fresh cluster, each node restored from the file, then started.
    const target = await TestCluster.create(['m1', 'm2', 'm3']);
    clusters.push(target);
    const members = target.nodes.map((node) => `${node.id}=${node.peer}`).join(',');
    for (const node of target.nodes) {
      const restored = await raftkit('snapshot', 'restore', file, '--data', node.dataDir, '--id', node.id, '--cluster', members);
      expect({ node: node.id, code: restored.code, stderr: restored.stderr }).toEqual({ node: node.id, code: 0, stderr: '' });
      expect(JSON.parse(restored.stdout)).toMatchObject({ restored: true, index: report.index, term: report.term });
    }
    await Promise.all(target.nodes.map((node) => node.start()));
    const { leader: newLeader } = await target.waitForLeader();
    // Every key from the leader's restored state, and a sample through linearizable reads on each node.
    expect(await unreadWrites(newLeader, written, { stale: true })).toEqual([]);
    const sample = new Map(entries.filter((_, position) => position % 100 === 0));
    for (const node of target.nodes) expect(await unreadWrites(node, sample)).toEqual([]);
    // The restored cluster takes new writes after the restored index.
    const next = await call(newLeader, 'PUT', '/v1/kv/after-restore', { body: 'yes' });
    expect(next.status).toBe(200);
    expect((next.json as { index: number }).index).toBeGreaterThan(report.index);
  });
});

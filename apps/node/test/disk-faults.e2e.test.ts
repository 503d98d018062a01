/**
 * Real disk faults on a small tmpfs the test mounts (root only; CI runs as root). A full disk
 * under the leader's data directory: The leader reports the fault (log, metric, /readyz), stops taking
 * part so another leader is elected, and never acknowledges a write it did not store. After
 * space is freed, a restart recovers it with every acknowledged write still there. (A read-only
 * remount cannot be tested this way: Linux refuses it while SQLite holds files open for writing.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, NodeProcess, putRetrying, status, TestCluster, waitFor } from './support/cluster.js';
import { scrape } from './support/metrics.js';
import { unreadWrites } from './support/operations.js';

/** canMount: this process may mount a tmpfs (root, and a kernel or container that allows it). */
function canMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (CI runs as root)';
  const probe = mkdtempSync(join(tmpdir(), 'raftkit-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `this root process may not mount a tmpfs here (${(error as Error).message.split('\n')[0]})`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const cannotMount = canMount();
if (cannotMount !== undefined) console.warn(`disk fault test skipped: ${cannotMount}`);

let cluster: TestCluster | undefined;
const mounts: string[] = [];
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
  for (const mount of mounts.splice(0)) {
    execFileSync('umount', ['-l', mount]);
    rmSync(mount, { recursive: true, force: true });
  }
});

/** fill writes zeros into `path` until the file system says ENOSPC. */
function fill(path: string): void {
  const block = Buffer.alloc(256 * 1024);
  for (let n = 0; ; n++) {
    try {
      writeFileSync(`${path}.${n}`, block);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
      throw error;
    }
  }
  // Whatever is left below a block goes too.
  try {
    writeFileSync(`${path}.last`, Buffer.alloc(4096));
    for (;;) writeFileSync(`${path}.last`, Buffer.alloc(4096), { flag: 'a' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
}

/** mountTmpfs mounts a fresh tmpfs of `size` and returns its path (unmounted after the test). */
function mountTmpfs(size: string): string {
  const mount = mkdtempSync(join(tmpdir(), 'raftkit-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount]);
  mounts.push(mount);
  return mount;
}

/** onDisk re-plans node `id` of the (not started) cluster with its data directory under `mount`. */
function onDisk(id: string, mount: string): NodeProcess {
  const planned = cluster!.node(id);
  const node = new NodeProcess(id, planned.peerPort, planned.httpPort, join(mount, id), planned.flags, planned.env);
  cluster!.nodes[cluster!.nodes.indexOf(planned)] = node;
  mkdirSync(node.dataDir);
  return node;
}

describe.skipIf(cannotMount !== undefined)('disk faults', () => {
  it('ENOSPC on the leader: reported, no acknowledgement without storage, a new leader, recovery after space is freed', async () => {
    const mount = mountTmpfs('24m');
    cluster = await TestCluster.create(['n1', 'n2', 'n3']);
    // n1's data directory is on the small file system.
    const n1 = onDisk('n1', mount);
    await Promise.all(cluster.nodes.map((node) => node.start()));
    let { leader } = await cluster.waitForLeader();
    if (leader !== n1) {
      const moved = await call(leader, 'POST', '/v1/leader/transfer', { body: JSON.stringify({ to: 'n1' }), headers: { 'content-type': 'application/json' } });
      expect(moved.status).toBe(200);
      ({ leader } = await cluster.waitForLeader());
    }
    expect(leader).toBe(n1);

    const acknowledged = new Map<string, string>();
    for (let n = 0; n < 50; n++) {
      await putRetrying(n1, `before-${n}`, `v${n}`);
      acknowledged.set(`before-${n}`, `v${n}`);
    }

    // The disk fills up; writes keep coming at the leader.
    fill(join(mount, 'filler'));
    // Large values: SQLite first reuses the room its write-ahead log already has.
    const value = 'x'.repeat(20_000);
    for (let n = 0; n < 3000; n++) {
      const answer = await call(n1, 'PUT', `/v1/kv/during-${n}`, { body: value }).catch(() => undefined);
      if (answer?.status === 200) acknowledged.set(`during-${n}`, value);
      const ready = await call(n1, 'GET', '/readyz').catch(() => undefined);
      if (ready?.status === 503 && (ready.json as { reason?: string }).reason === 'STORAGE_FAILED') break;
    }

    // Reported: /readyz, the metric, the log.
    const refused = await waitFor('n1 to report the disk fault on /readyz', async () => {
      const answer = await call(n1, 'GET', '/readyz');
      return (answer.json as { reason?: string }).reason === 'STORAGE_FAILED' ? answer : undefined;
    });
    expect(refused.status).toBe(503);
    expect((refused.json as { message: string }).message).toMatch(/ENOSPC|SQLITE_FULL/);
    expect((await scrape(n1)).value('raftkit_storage_failed')).toBe(1);
    const logged = n1.output.find((line) => line.includes('"storageFailure"'));
    expect(logged).toBeDefined();
    expect(JSON.parse(logged!)).toMatchObject({ level: 'fatal', node: 'n1' });
    expect(n1.running).toBe(true);
    // It acknowledges nothing more.
    expect((await call(n1, 'PUT', '/v1/kv/refused', { body: 'no' })).status).toBeGreaterThanOrEqual(500);

    // The others elect a leader and take writes.
    const survivors = cluster.nodes.filter((node) => node !== n1);
    const { leader: second } = await cluster.waitForLeader(survivors);
    for (let n = 0; n < 20; n++) {
      await putRetrying(second, `after-${n}`, `v${n}`);
      acknowledged.set(`after-${n}`, `v${n}`);
    }
    expect(await unreadWrites(second, acknowledged)).toEqual([]);

    // Space is freed; a restart recovers n1 from its disk and it catches up.
    for (const name of execFileSync('ls', [mount]).toString().split('\n').filter((entry) => entry.startsWith('filler'))) rmSync(join(mount, name));
    await n1.kill('SIGTERM');
    await n1.start();
    const target = (await status(second)).commitIndex;
    await waitFor(`n1 to catch up to ${target}`, async () => {
      const own = await status(n1);
      return own.appliedIndex >= target && own.leader !== null ? own : undefined;
    });
    expect((await call(n1, 'GET', '/readyz')).status).toBe(200);
    expect(await unreadWrites(n1, acknowledged, { stale: true })).toEqual([]);
    expect(await unreadWrites(n1, acknowledged)).toEqual([]);
  });
});

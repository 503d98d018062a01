/**
 * Real disk faults under the leader's data directory (root only; CI runs as root):
 * - ENOSPC: a small tmpfs the test mounts and fills.
 * - EIO (the disk fails) and EROFS (the file system goes read-only): a passthrough FUSE file
 *   system (support/faulty-fs.py, Debian's python3-fusepy, installed by scripts/ci/install-fuse.sh)
 *   whose writes the test makes fail. A real read-only remount cannot be used: Linux refuses it
 *   while SQLite holds files open for writing.
 * In each case the leader reports the fault (log, metric, /readyz), stops taking part so another
 * leader is elected, and never acknowledges a write it did not store. Once the fault is gone
 * (space freed, disk back), a restart recovers it with every acknowledged write still there.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** FAULTY_FS is the failing FUSE file system; Debian's python3 runs it (python3-fusepy is Debian's). */
const FAULTY_FS = join(dirname(fileURLToPath(import.meta.url)), 'support', 'faulty-fs.py');
const DEBIAN_PYTHON = '/usr/bin/python3';

/** canMountFuse: this process may mount the FUSE file system (root, /dev/fuse, fusepy). */
function canMountFuse(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a FUSE file system needs root (CI runs as root)';
  if (!existsSync('/dev/fuse')) return 'there is no /dev/fuse here';
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import fusepy'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return `${DEBIAN_PYTHON} cannot import fusepy (install python3-fusepy: scripts/ci/install-fuse.sh)`;
  }
}
const cannotMountFuse = canMountFuse();
if (cannotMountFuse !== undefined) console.warn(`EIO/EROFS disk fault tests skipped: ${cannotMountFuse}`);

let cluster: TestCluster | undefined;
const mounts: string[] = [];
const faultyFileSystems: FaultyFs[] = [];
afterEach(async () => {
  // The disks come back first, so the nodes can shut down cleanly.
  for (const fs of faultyFileSystems) fs.fault('ok');
  await cluster?.destroy();
  cluster = undefined;
  for (const mount of mounts.splice(0)) {
    execFileSync('umount', ['-l', mount]);
    rmSync(mount, { recursive: true, force: true });
  }
  for (const fs of faultyFileSystems.splice(0)) await fs.unmount();
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


/** A fault the FUSE file system can inject into every write, or `ok` for none. */
type Fault = 'ok' | 'eio' | 'erofs';

/** FaultyFs is a mounted support/faulty-fs.py: a directory whose writes fail when told to. */
interface FaultyFs {
  /** mount is where it is mounted. */
  readonly mount: string;
  /** fault makes every later write fail with `fault` (or pass, for `ok`). */
  fault(fault: Fault): void;
  /** unmount unmounts it and removes its directories. */
  unmount(): Promise<void>;
}

/** isMounted: `mount` is a FUSE mount in this mount namespace. */
function isMounted(mount: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((line) => line.split(' ')[1] === mount && line.split(' ')[2]?.startsWith('fuse'));
}

/** mountFaultyFs mounts support/faulty-fs.py over a fresh backing directory (unmounted after the test). */
async function mountFaultyFs(): Promise<FaultyFs> {
  const root = mkdtempSync(join(tmpdir(), 'raftkit-fuse-'));
  const backing = join(root, 'backing');
  const mount = join(root, 'mount');
  const control = join(root, 'control');
  mkdirSync(backing);
  mkdirSync(mount);
  writeFileSync(control, 'ok');
  const output: string[] = [];
  const child: ChildProcess = spawn(DEBIAN_PYTHON, [FAULTY_FS, backing, mount, control], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const fs: FaultyFs = {
    mount,
    fault(fault) {
      writeFileSync(control, fault);
    },
    async unmount() {
      if (isMounted(mount)) execFileSync('umount', ['-l', mount]);
      // Unmounted, the file system process ends by itself; a stuck one is ended by its pid.
      if (child.exitCode === null && child.signalCode === null) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  faultyFileSystems.push(fs);
  await waitFor(`the FUSE file system at ${mount} to be mounted`, () => {
    if (child.exitCode !== null) throw new Error(`faulty-fs.py exited with ${child.exitCode}: ${output.join('')}`);
    return isMounted(mount) ? true : undefined;
  });
  return fs;
}

/** startWithLeaderOn starts a three-node cluster with n1's data directory under `mount`, and makes n1 the leader. */
async function startWithLeaderOn(mount: string): Promise<NodeProcess> {
  cluster = await TestCluster.create(['n1', 'n2', 'n3']);
  const n1 = onDisk('n1', mount);
  await Promise.all(cluster.nodes.map((node) => node.start()));
  let { leader } = await cluster.waitForLeader();
  if (leader !== n1) {
    const moved = await call(leader, 'POST', '/v1/leader/transfer', { body: JSON.stringify({ to: 'n1' }), headers: { 'content-type': 'application/json' } });
    expect(moved.status).toBe(200);
    ({ leader } = await cluster.waitForLeader());
  }
  expect(leader).toBe(n1);
  return n1;
}

/** expectReported checks that `node` reports a disk fault whose cause matches `cause` on /readyz, the metric and the log, and acknowledges nothing more. */
async function expectReported(node: NodeProcess, cause: RegExp): Promise<void> {
  const refused = await waitFor(`${node.id} to report the disk fault on /readyz`, async () => {
    const answer = await call(node, 'GET', '/readyz');
    const body = answer.json as { reason?: string; message?: string };
    return body.reason === 'STORAGE_FAILED' && cause.test(body.message ?? '') ? answer : undefined;
  });
  expect(refused.status).toBe(503);
  expect((await scrape(node)).value('raftkit_storage_failed')).toBe(1);
  const logged = await waitFor(`${node.id} to log the disk fault`, () => node.output.find((line) => line.includes('"storageFailure"')));
  expect(JSON.parse(logged)).toMatchObject({ level: 'fatal', node: node.id, storageFailure: expect.stringMatching(cause) });
  expect(node.running).toBe(true);
  expect((await call(node, 'PUT', '/v1/kv/refused', { body: 'no' })).status).toBeGreaterThanOrEqual(500);
}

/** expectNewLeader checks that the nodes other than `failed` elect a leader that takes writes and reads back every acknowledged one. */
async function expectNewLeader(failed: NodeProcess, acknowledged: Map<string, string>): Promise<NodeProcess> {
  const survivors = cluster!.nodes.filter((node) => node !== failed);
  const { leader } = await cluster!.waitForLeader(survivors);
  for (let n = 0; n < 20; n++) {
    await putRetrying(leader, `after-${n}`, `v${n}`);
    acknowledged.set(`after-${n}`, `v${n}`);
  }
  expect(await unreadWrites(leader, acknowledged)).toEqual([]);
  return leader;
}

/** expectRecovery restarts `failed` (its disk fixed) and checks it catches up to `leader` with every acknowledged write. */
async function expectRecovery(failed: NodeProcess, leader: NodeProcess, acknowledged: ReadonlyMap<string, string>): Promise<void> {
  await failed.kill('SIGTERM');
  await failed.start();
  const target = (await status(leader)).commitIndex;
  await waitFor(`${failed.id} to catch up to ${target}`, async () => {
    const own = await status(failed);
    return own.appliedIndex >= target && own.leader !== null ? own : undefined;
  });
  expect((await call(failed, 'GET', '/readyz')).status).toBe(200);
  expect(await unreadWrites(failed, acknowledged, { stale: true })).toEqual([]);
  expect(await unreadWrites(failed, acknowledged)).toEqual([]);
}

describe.skipIf(cannotMount !== undefined)('disk faults: a full disk', () => {
  it('ENOSPC on the leader: reported, no acknowledgement without storage, a new leader, recovery after space is freed', async () => {
    const mount = mountTmpfs('24m');
    const n1 = await startWithLeaderOn(mount);

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

    await expectReported(n1, /ENOSPC|SQLITE_FULL/);
    const second = await expectNewLeader(n1, acknowledged);

    // Space is freed; a restart recovers n1 from its disk and it catches up.
    for (const name of execFileSync('ls', [mount]).toString().split('\n').filter((entry) => entry.startsWith('filler'))) rmSync(join(mount, name));
    await expectRecovery(n1, second, acknowledged);
  });
});

describe.skipIf(cannotMountFuse !== undefined)('disk faults: a failing or read-only disk (FUSE)', () => {
  // SQLite says SQLITE_IOERR_* for both; the node's probe of the data directory names the cause.
  it.each([
    { fault: 'eio', cause: /^EIO: SQLITE_IOERR/ },
    { fault: 'erofs', cause: /^EROFS: SQLITE_IOERR/ },
  ] as const)('$fault on the leader: reported, no acknowledgement without storage, a new leader, recovery after the disk is back', async ({ fault, cause }) => {
    const fs = await mountFaultyFs();
    const n1 = await startWithLeaderOn(fs.mount);

    const acknowledged = new Map<string, string>();
    for (let n = 0; n < 50; n++) {
      await putRetrying(n1, `before-${n}`, `v${n}`);
      acknowledged.set(`before-${n}`, `v${n}`);
    }

    // The disk fails under the leader; writes keep coming at it. Any it still acknowledges must
    // be stored (on a majority), which the reads below check.
    fs.fault(fault);
    for (let n = 0; n < 500; n++) {
      const answer = await call(n1, 'PUT', `/v1/kv/during-${n}`, { body: `v${n}` }).catch(() => undefined);
      if (answer?.status === 200) acknowledged.set(`during-${n}`, `v${n}`);
      const ready = await call(n1, 'GET', '/readyz').catch(() => undefined);
      if (ready?.status === 503 && (ready.json as { reason?: string }).reason === 'STORAGE_FAILED') break;
    }

    await expectReported(n1, cause);
    const second = await expectNewLeader(n1, acknowledged);

    // The disk is back; a restart recovers n1 from it and it catches up.
    fs.fault('ok');
    await expectRecovery(n1, second, acknowledged);
  });
});

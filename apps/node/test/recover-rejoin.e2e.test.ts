/**
 * Forced recovery of a 3-node cluster whose other two nodes lost their data for good, against
 * real processes: both SIGKILLed with their data directories deleted, the survivor SIGKILLed too,
 * `raftkit recover` on the survivor, which then leads alone with every acknowledged write; the two
 * others come back EMPTY with `--join` (never `--cluster`, which would bootstrap a second copy of
 * the old configuration), are caught up by snapshot, and form a full cluster again.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { putRetrying, status, TestCluster, waitFor } from './support/cluster.js';
import { flagsOf, raftkit, unreadWrites } from './support/operations.js';

/** Snapshots every 40 entries, so the survivor's log is compacted and the rejoining nodes need one. */
const SNAPSHOTS = { 'snapshot-entries': '40', 'snapshot-trailing': '10' } as const;

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

describe('raftkit recover after two nodes lost their data', () => {
  it('the survivor leads alone with every acknowledged write, and the two rejoin empty and catch up', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3'], { flags: SNAPSHOTS });
    const running = cluster;
    const acknowledged = new Map<string, string>();
    for (let n = 0; n < 120; n++) {
      await putRetrying(running.nodes[n % 3]!, `before-${n}`, `b${n}`);
      acknowledged.set(`before-${n}`, `b${n}`);
    }
    // The leader holds every acknowledged write (it answers only what it applied): it survives.
    const { leader: survivor } = await running.waitForLeader();
    const lost = running.nodes.filter((node) => node !== survivor);
    await Promise.all(lost.map((node) => node.kill('SIGKILL')));
    for (const node of lost) rmSync(node.dataDir, { recursive: true, force: true });
    await survivor.kill('SIGKILL');

    const recovered = await raftkit('recover', '--id', survivor.id, '--data', survivor.dataDir);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(JSON.parse(recovered.stdout)).toMatchObject({ recovered: true, voters: [survivor.id] });

    await survivor.start();
    await waitFor(`${survivor.id} to lead alone`, async () => ((await status(survivor)).role === 'leader' ? true : undefined));
    const alone = await status(survivor);
    expect(alone.members).toEqual({ voters: [survivor.id], learners: [], outgoing: [] });
    expect(alone.snapshotIndex).toBeGreaterThan(0);
    expect(await unreadWrites(survivor, acknowledged)).toEqual([]);
    for (let n = 0; n < 30; n++) {
      await putRetrying(survivor, `alone-${n}`, `a${n}`);
      acknowledged.set(`alone-${n}`, `a${n}`);
    }

    // The lost nodes return with empty data directories and --join, one after the other.
    for (const node of lost) {
      node.flags = flagsOf({ ...SNAPSHOTS, join: survivor.http });
      await node.start();
      // Asked of the leader, not only the joiner: while the joiner installs the survivor's snapshot
      // it briefly holds the snapshot's (pre-recovery) configuration, where it is a voter already.
      await waitFor(`${node.id} to follow ${survivor.id} as a voter`, async () => {
        const own = await status(node);
        const leaderView = await status(survivor);
        const promoted = leaderView.members.voters.includes(node.id) && !leaderView.members.learners.includes(node.id);
        return own.role === 'follower' && own.leader === survivor.id && promoted ? true : undefined;
      }, 60_000);
    }
    const whole = await status(survivor);
    expect(whole.role).toBe('leader');
    expect({ ...whole.members, voters: [...whole.members.voters].sort() }).toEqual({ voters: ['n1', 'n2', 'n3'], learners: [], outgoing: [] });

    for (const node of lost) {
      await waitFor(`${node.id} to apply ${whole.commitIndex}`, async () => ((await status(node)).appliedIndex >= whole.commitIndex ? true : undefined));
      // Caught up by the survivor's snapshot: its compacted log no longer starts at index 1.
      expect((await status(node)).snapshotIndex).toBeGreaterThan(0);
      expect({ node: node.id, wrong: await unreadWrites(node, acknowledged, { stale: true }) }).toEqual({ node: node.id, wrong: [] });
    }

    // They are full voters: without the survivor, the two of them elect a leader and serve everything.
    await survivor.kill('SIGKILL');
    const { leader: next } = await running.waitForLeader(lost);
    expect(lost).toContain(next);
    await putRetrying(next, 'after-rejoin', 'yes');
    acknowledged.set('after-rejoin', 'yes');
    for (const node of lost) expect({ node: node.id, wrong: await unreadWrites(node, acknowledged) }).toEqual({ node: node.id, wrong: [] });
  });
});

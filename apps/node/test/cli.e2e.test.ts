/**
 * The admin commands against a real cluster: `--endpoints` passes over an endpoint that does not
 * answer, `members list` names every member with both addresses (`-o table` too), and
 * `members promote` makes a learner a voter.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, status, TestCluster, waitFor, type NodeProcess } from './support/cluster.js';
import { raftkit } from './support/operations.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

describe('raftkit admin commands', () => {
  it('--endpoints skips a dead endpoint; members list shows every address; members promote makes a learner a voter', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const [n1, n2, n3] = cluster.nodes as [NodeProcess, NodeProcess, NodeProcess];
    const dead = `127.0.0.1:${await freePort()}`;

    const statusRun = await raftkit('status', '--endpoints', `${dead},${n2.http}`);
    expect({ code: statusRun.code, stderr: statusRun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(statusRun.stdout)).toMatchObject({ id: 'n2' });

    const list = await raftkit('members', 'list', '--endpoints', `${dead},${n3.http}`, '-o', 'table');
    expect(list.code).toBe(0);
    const rows = list.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ID\s+ROLE\s+LEADER\s+PEER ADDRESS\s+HTTP ADDRESS$/);
    for (const node of [n1, n2, n3]) expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^${node.id}\\s+voter\\s+(yes\\s+)?${node.peer}\\s+${node.http}$`)));

    // A learner joins, then is promoted by the command line.
    const learner = await cluster.newNode('n4', { join: n1.http, learner: true });
    await learner.start();
    await waitFor('n4 to be a learner', async () => ((await status(learner)).role === 'learner' ? true : undefined));
    const promote = await raftkit('members', 'promote', 'n4', '--endpoints', `${dead},${n2.http},${n3.http}`);
    expect({ code: promote.code, stderr: promote.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(promote.stdout)).toMatchObject({ id: 'n4', role: 'voter' });
    const members = JSON.parse((await raftkit('members', 'list', '--http', n1.http)).stdout) as { voters: string[]; learners: string[]; httpAddresses: Record<string, string> };
    expect(members.voters.sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(members.learners).toEqual([]);
    expect(members.httpAddresses['n4']).toBe(learner.http);

    // Nothing answers: exit 1 with an UNREACHABLE error.
    const unreachable = await raftkit('status', '--endpoints', dead);
    expect(unreachable.code).toBe(1);
    expect(JSON.parse(unreachable.stdout)).toMatchObject({ error: { code: 'UNREACHABLE' } });
  });
});

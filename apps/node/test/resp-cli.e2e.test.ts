/**
 * The Redis-protocol front against a real 3-node cluster, driven by the real `redis-cli`:
 * scripted sessions through the leader and through followers, across a SIGKILL of the leader,
 * and with no leader at all (the answer must say "certainly not applied", and be true).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, status, TestCluster, waitFor, type NodeProcess } from './support/cluster.js';
import { enableResp, redisCli } from './support/resp.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

async function startRespCluster(flags: Readonly<Record<string, string>> = {}): Promise<TestCluster> {
  const created = await TestCluster.create(['n1', 'n2', 'n3'], { flags });
  await enableResp(created);
  await Promise.all(created.nodes.map((node) => node.start()));
  await created.waitForLeader();
  return created;
}

/** session runs a redis-cli script (one command a line) and answers its output lines, formatted as a person sees them. */
async function session(node: NodeProcess, script: readonly string[]): Promise<string[]> {
  const result = await redisCli(node, ['--no-raw'], `${script.join('\n')}\n`);
  return result.stdout.split('\n').filter((line, position, lines) => position < lines.length - 1 || line !== '');
}

/**
 * setRetrying sets `key` through `node` until it is acknowledged. TRYAGAIN (certainly not
 * applied) and UNCERTAIN (maybe applied) are both safe to retry here: SET of one value is idempotent.
 */
async function setRetrying(node: NodeProcess, key: string, value: string): Promise<void> {
  await waitFor(`SET ${key} through ${node.id}`, async () => {
    const result = await redisCli(node, ['--no-raw', 'set', key, value]);
    if (result.stdout.trim() === 'OK') return true;
    if (!/TRYAGAIN|UNCERTAIN|Connection refused/.test(result.stdout + result.stderr)) throw new Error(`SET ${key}: ${result.stdout}${result.stderr}`);
    return undefined;
  }, 60_000, 50);
}

describe('redis-cli against a 3-node cluster', () => {
  it('runs a scripted session with Redis semantics and texts, through the leader and through followers', async () => {
    cluster = await startRespCluster();
    const { leader } = await cluster.waitForLeader();
    const [follower, other] = cluster.nodes.filter((node) => node !== leader) as [NodeProcess, NodeProcess];

    expect(
      await session(leader, [
        'PING',
        'SET greeting hello',
        'GET greeting',
        'SET greeting world NX',
        'SET greeting world XX GET',
        'APPEND greeting !',
        'STRLEN greeting',
        'INCR counter',
        'INCRBY counter 41',
        'DECR counter',
        'DECRBY counter 10',
        'INCR greeting',
        'MSET a 1 b 2',
        'MGET a b missing',
        'EXISTS a b missing a',
        'DEL a missing',
        'GETDEL b',
        'GETDEL b',
        'DBSIZE',
        'SELECT 0',
        'NOSUCHCOMMAND x',
        'GET',
        'SET k v NX XX',
        'ECHO still-here',
      ]),
    ).toEqual([
      'PONG',
      'OK',
      '"hello"',
      '(nil)',
      '"hello"',
      '(integer) 6',
      '(integer) 6',
      '(integer) 1',
      '(integer) 42',
      '(integer) 41',
      '(integer) 31',
      '(error) ERR value is not an integer or out of range',
      'OK',
      '1) "1"',
      '2) "2"',
      '3) (nil)',
      '(integer) 3',
      '(integer) 1',
      '"2"',
      '(nil)',
      '(integer) 2',
      'OK',
      "(error) ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ",
      "(error) ERR wrong number of arguments for 'get' command",
      '(error) ERR syntax error',
      '"still-here"',
    ]);

    // A follower forwards writes and linearizable reads to the leader: what one follower writes
    // the other reads at once, with no waiting for replication.
    expect(await session(follower, ['SET via-follower 1', 'INCR via-follower', 'MSET x 10 y 20'])).toEqual(['OK', '(integer) 2', 'OK']);
    expect(await session(other, ['GET via-follower', 'MGET x y', 'GET greeting', 'GET counter'])).toEqual(['"2"', '1) "10"', '2) "20"', '"world!"', '"31"']);

    // INFO's raft section describes the node (local: this follower's own view).
    const info = (await redisCli(follower, ['info', 'raft'])).stdout;
    expect(info).toContain(`raft_id:${follower.id}`);
    expect(info).toMatch(/raft_role:follower/);
    expect(info).toContain(`raft_leader:${leader.id}`);
    expect(info).toMatch(/raft_commit_index:\d+/);

    // RESP3 after HELLO 3: maps and nulls in RESP3 types.
    const hello = await redisCli(follower, ['-3', '--no-raw', 'get', 'missing']);
    expect(hello.stdout.trim()).toBe('(nil)');
  });

  it('expires keys by leader time decided in apply: the same on every node, and through a snapshot', async () => {
    // Snapshots every few entries, so a restarted node loads the store from an RKV2 snapshot.
    cluster = await startRespCluster({ 'snapshot-entries': '4', 'snapshot-trailing': '0' });
    const { leader } = await cluster.waitForLeader();
    // (Whether `short` is still there right after its SET depends on this machine's speed, so only
    // its expiry is asserted; `long` shows the values are there before they expire.)
    expect(await session(leader, ['SET short v PX 300', 'SET long v EX 600', 'SET unread v PX 300'])).toEqual(['OK', 'OK', 'OK']);
    // A key nobody reads is swept by the leader's sweep entry: it leaves DBSIZE (and memory).
    await waitFor('the unread keys to be swept', async () => ((await redisCli(leader, ['dbsize'])).stdout.trim() === '1' ? true : undefined), 30_000, 100);
    // Every node answers nil once the TTL passed (the read goes through the log and apply decides).
    for (const node of cluster.nodes) {
      await waitFor(`short to expire as seen through ${node.id}`, async () => ((await redisCli(node, ['--no-raw', 'get', 'short'])).stdout.trim() === '(nil)' ? true : undefined), 30_000, 100);
      expect((await redisCli(node, ['--no-raw', 'get', 'long'])).stdout.trim()).toBe('"v"');
    }

    // A follower killed and restarted loads its snapshot (with the clock and expiries) and holds
    // the same keys: read locally (stale) so the answer is its own state, not the leader's.
    const follower = cluster.nodes.find((node) => node !== leader)!;
    await follower.kill('SIGKILL');
    await follower.start();
    const { commitIndex } = await status(leader);
    const restarted = await waitFor(`${follower.id} to catch up`, async () => {
      const own = await status(follower);
      return own.appliedIndex >= commitIndex ? own : undefined;
    });
    expect(restarted.snapshotIndex).toBeGreaterThan(0);
    expect((await call(follower, 'GET', '/v1/kv/long?stale=true')).text).toBe('v');
    expect((await call(follower, 'GET', '/v1/kv/short?stale=true')).status).toBe(404);
  });

  it('loses no acknowledged write across a SIGKILL of the leader, and answers TRYAGAIN (not applied) with no leader', async () => {
    cluster = await startRespCluster();
    const { leader: first } = await cluster.waitForLeader();
    const survivors = cluster.nodes.filter((node) => node !== first) as [NodeProcess, NodeProcess];
    const acknowledged = new Map<string, string>();
    for (let n = 0; n < 10; n++) {
      await setRetrying(cluster.nodes[n % 3]!, `before-${n}`, `v${n}`);
      acknowledged.set(`before-${n}`, `v${n}`);
    }

    await first.kill('SIGKILL');
    for (let n = 0; n < 10; n++) {
      await setRetrying(survivors[n % 2]!, `after-${n}`, `v${n}`);
      acknowledged.set(`after-${n}`, `v${n}`);
    }
    const keys = [...acknowledged.keys()];
    const values = (await redisCli(survivors[1], ['mget', ...keys])).stdout.trim().split('\n');
    expect(values).toEqual([...acknowledged.values()]);

    // Only one node left: no majority, no leader. The write is refused as certainly not applied...
    const { leader: second } = await cluster.waitForLeader(survivors);
    const last = survivors.find((node) => node !== second)!;
    await second.kill('SIGKILL');
    const refused = await redisCli(last, ['--no-raw', 'set', 'while-leaderless', 'x']);
    expect(refused.stdout).toMatch(/^\(error\) TRYAGAIN (NO_LEADER|NOT_MEMBER|SHUTTING_DOWN): certainly not applied/);
    // ...and indeed it never applies once a majority is back.
    await first.start();
    await cluster.waitForLeader([first, last]);
    await waitFor('a linearizable GET once a leader is back', async () => {
      const answer = await redisCli(last, ['--no-raw', 'get', 'while-leaderless']);
      if (answer.stdout.includes('TRYAGAIN')) return undefined;
      expect(answer.stdout.trim()).toBe('(nil)');
      return true;
    }, 60_000, 100);
    expect((await redisCli(first, ['mget', ...keys])).stdout.trim().split('\n')).toEqual([...acknowledged.values()]);
  });
});

/**
 * The Redis-protocol front with the tools people already have: ioredis as a library client,
 * redis-benchmark at 50 clients, and raw sockets sending what no client should (malformed and
 * oversized requests), which must cost the sender its connection and nobody else anything.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, waitFor, type NodeProcess } from './support/cluster.js';
import { enableResp, redisCli, respPort } from './support/resp.js';

let cluster: TestCluster;
let leader: NodeProcess;
let follower: NodeProcess;

beforeAll(async () => {
  // The node's default 100 ms tick (1–2 s election timeout): 50 benchmark clients on a loaded CI
  // machine must not starve heartbeats into an election, which would be a TRYAGAIN, not a bug.
  cluster = await TestCluster.create(['n1', 'n2', 'n3'], { flags: { 'max-body': '65536', 'tick-ms': '100' } });
  await enableResp(cluster);
  await Promise.all(cluster.nodes.map((node) => node.start()));
  leader = (await cluster.waitForLeader()).leader;
  follower = cluster.nodes.find((node) => node !== leader)!;
});
afterAll(async () => {
  await cluster?.destroy();
});

/** rawExchange sends `bytes` on a new connection and answers everything received until the server closes it. */
function rawExchange(node: NodeProcess, bytes: Buffer, timeoutMs = 30_000): Promise<{ received: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(respPort(node), '127.0.0.1');
    const parts: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received: Buffer.concat(parts).toString('latin1'), closedByServer: false });
    }, timeoutMs);
    socket.on('data', (chunk) => parts.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(parts).toString('latin1'), closedByServer: true });
    });
    socket.write(bytes);
  });
}

describe('ioredis as a library client', () => {
  it('runs commands, pipelines and expiry through a follower, in RESP2', async () => {
    const client = new Redis({ host: '127.0.0.1', port: respPort(follower), connectionName: 'e2e', maxRetriesPerRequest: 0, lazyConnect: true });
    try {
      await client.connect();
      expect(await client.client('GETNAME')).toBe('e2e');
      expect(await client.set('io:a', 'alpha')).toBe('OK');
      expect(await client.get('io:a')).toBe('alpha');
      expect(await client.set('io:a', 'beta', 'NX')).toBeNull();
      expect(await client.set('io:a', 'gamma', 'XX', 'GET')).toBe('alpha');
      expect(await client.incrby('io:n', 5)).toBe(5);
      expect(await client.decrby('io:n', 7)).toBe(-2);
      expect(await client.mset({ 'io:x': '1', 'io:y': '2' })).toBe('OK');
      expect(await client.mget('io:x', 'io:y', 'io:none')).toEqual(['1', '2', null]);
      expect(await client.getdel('io:x')).toBe('1');
      expect(await client.exists('io:x', 'io:y')).toBe(1);
      expect(await client.del('io:y', 'io:none')).toBe(1);
      // Binary values stay bytes.
      const bytes = Buffer.from([0, 255, 13, 10, 1]);
      await client.set('io:bin', bytes);
      expect(await client.getBuffer('io:bin')).toEqual(bytes);

      // A pipeline: answers in order, and the GET after the SETs sees them (order on one connection).
      const pipeline = client.pipeline();
      for (let n = 0; n < 20; n++) pipeline.set(`io:p${n}`, String(n));
      pipeline.incr('io:p0');
      pipeline.get('io:p0');
      pipeline.get('io:p19');
      const results = await pipeline.exec();
      expect(results!.map(([error]) => error)).toEqual(new Array(23).fill(null));
      expect(results!.slice(20).map(([, value]) => value)).toEqual([1, '1', '19']);

      await expect(client.incr('io:a')).rejects.toThrow('ERR value is not an integer or out of range');
      await expect(client.call('NOSUCH')).rejects.toThrow("ERR unknown command 'NOSUCH'");
      expect(await client.ping()).toBe('PONG');

      expect(await client.set('io:ttl', 'v', 'PX', 200)).toBe('OK');
      await waitFor('io:ttl to expire', async () => ((await client.get('io:ttl')) === null ? true : undefined), 30_000, 50);
    } finally {
      client.disconnect();
    }
  });
});

describe('redis-benchmark', () => {
  it('finishes -t set,get -n 20000 -c 50 -P 1 with no error replies', async () => {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        'redis-benchmark',
        ['-h', '127.0.0.1', '-p', String(respPort(follower)), '-t', 'set,get', '-n', '20000', '-c', '50', '-P', '1', '-e', '--csv'],
        { timeout: 600_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => (error === null ? resolve(stdout + stderr) : reject(new Error(`redis-benchmark failed: ${error.message}\n${stdout}${stderr}`))),
      );
    });
    // -e prints every error reply ("Error from server: ..."); there must be none.
    expect(output).not.toMatch(/error from server/i);
    expect(output).toMatch(/"SET","[0-9.]+"/);
    expect(output).toMatch(/"GET","[0-9.]+"/);
    // The writes really landed: the benchmark's key holds a 3-byte value.
    expect((await redisCli(leader, ['strlen', 'key:__rand_int__'])).stdout.trim()).toBe('3');
  });
});

describe('malformed and oversized input', () => {
  it('answers a protocol error and closes that connection only; the node goes on serving', async () => {
    const malformed = await rawExchange(follower, Buffer.from('*1\r\n:5\r\n'));
    expect(malformed).toEqual({ received: "-ERR Protocol error: expected '$', got ':'\r\n", closedByServer: true });

    // A bulk larger than --max-body is refused from its header, before its bytes are buffered.
    const oversized = await rawExchange(follower, Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n'));
    expect(oversized).toEqual({ received: '-ERR Protocol error: invalid bulk length\r\n', closedByServer: true });

    // Replies to the commands before the bad bytes still arrive, in order, before the error.
    const mixed = await rawExchange(follower, Buffer.from('PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*1\r\n$x\r\n'));
    expect(mixed).toEqual({ received: '+PONG\r\n$2\r\nhi\r\n-ERR Protocol error: invalid bulk length\r\n', closedByServer: true });

    // QUIT closes after its reply; an unknown command does not.
    expect(await rawExchange(follower, Buffer.from('FOO\r\nQUIT\r\nPING\r\n'))).toEqual({ received: "-ERR unknown command 'FOO', with args beginning with: \r\n+OK\r\n", closedByServer: true });

    expect((await redisCli(follower, ['ping'])).stdout.trim()).toBe('PONG');
  });
});

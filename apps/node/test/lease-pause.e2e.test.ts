/**
 * Lease reads stay linearizable when the leader is paused past its lease, against real
 * processes with `--lease-reads`: SIGSTOP the leader, let the others elect a new one and
 * acknowledge a new value, then SIGCONT the old leader with reads already queued at its HTTP port
 * and more sent as it wakes. A read sent after the new value was acknowledged must answer the new
 * value or an error (503/504), never the old one: the paused leader's lease is measured on the
 * monotonic clock, so it has expired on waking even though no tick ran while it was stopped.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { call, putRetrying, status, TestCluster, waitFor, type NodeProcess } from './support/cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

/** read is one linearizable GET; its status and value, or "no answer" when the request failed. */
async function read(node: NodeProcess, key: string): Promise<string> {
  try {
    const answer = await call(node, 'GET', `/v1/kv/${key}`, { timeoutMs: 10_000 });
    return answer.status === 200 ? `200 ${answer.text}` : String(answer.status);
  } catch (error) {
    return `no answer: ${(error as Error).message}`;
  }
}

/**
 * KeptConnection is a keep-alive HTTP connection the node has already accepted and served. A
 * request written on it while the node is stopped is read in the first poll after SIGCONT, with
 * the peer messages that queued up meanwhile; a new connection would wait for accept() first.
 */
class KeptConnection {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  /** open connects to the node's HTTP port and makes one request, so the node surely accepted it. */
  static async open(node: NodeProcess): Promise<KeptConnection> {
    const socket = connect(node.httpPort, '127.0.0.1');
    await once(socket, 'connect');
    const connection = new KeptConnection(socket);
    const answer = await connection.get('/v1/status');
    if (!answer.startsWith('200')) throw new Error(`GET /v1/status on a kept connection answered ${answer}`);
    return connection;
  }

  /** get writes a GET at once (before its first await) and reads its answer like read() does. */
  async get(path: string, timeoutMs = 10_000): Promise<string> {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd >= 0) {
        const head = this.buffer.subarray(0, headerEnd).toString();
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? '0');
        if (this.buffer.length >= headerEnd + 4 + length) {
          const status = head.split(' ')[1] ?? '';
          const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString();
          this.buffer = this.buffer.subarray(headerEnd + 4 + length);
          return status === '200' ? `200 ${body}` : status;
        }
      }
      if (this.closed) return 'no answer: connection closed';
      const left = deadline - performance.now();
      if (left <= 0) return 'no answer: timed out';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('--lease-reads with a paused leader', () => {
  it('a leader woken from SIGSTOP after a new leader took writes never serves the old value', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3'], { flags: { 'lease-reads': true } });
    const nodes = cluster.nodes;
    for (let round = 0; round < 6; round++) {
      const key = `leased-${round}`;
      const { leader: paused } = await cluster.waitForLeader(nodes);
      const others = nodes.filter((node) => node !== paused);
      await putRetrying(paused, key, 'old');
      // The leader serves from its lease before the pause, so the reads after it could too.
      await waitFor(`${paused.id} to hold a lease`, async () => ((await status(paused)) as unknown as { leaseRemainingMs: number }).leaseRemainingMs > 0 || undefined);
      expect(await read(paused, key)).toBe('200 old');

      const kept = await Promise.all(Array.from({ length: 10 }, () => KeptConnection.open(paused)));
      paused.process!.kill('SIGSTOP');
      try {
        const { leader: next } = await cluster.waitForLeader(others);
        expect(next).not.toBe(paused);
        await putRetrying(next, key, 'new');

        // Reads sent while it is stopped wait in its socket buffers; more follow the moment it wakes.
        const queued = [...kept.map((connection) => connection.get(`/v1/kv/${key}`)), ...Array.from({ length: 5 }, () => read(paused, key))];
        paused.process!.kill('SIGCONT');
        const burst = Array.from({ length: 10 }, () => read(paused, key));
        const answers = [...(await Promise.all(queued)), ...(await Promise.all(burst))];
        // Then one at a time until the woken node serves the read (as a follower, through the new leader).
        const sequential = await waitFor(`${paused.id} to answer a read with 200`, async () => {
          const answer = await read(paused, key);
          answers.push(answer);
          return answer.startsWith('200') ? answer : undefined;
        });
        expect(sequential).toBe('200 new');
        const wrong = answers.filter((answer) => answer !== '200 new' && answer !== '503' && answer !== '504');
        expect({ round, wrong, answers }).toEqual({ round, wrong: [], answers });
        await waitFor(`${paused.id} to follow ${next.id}`, async () => ((await status(paused)).leader === next.id ? true : undefined));
      } finally {
        // Wake it even when the round failed, so no later step waits on a stopped process.
        if (paused.running) paused.process!.kill('SIGCONT');
        for (const connection of kept) connection.close();
      }
    }
  });
});
